import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC

/// Checks the teams of an `UpsertGames` request (the teams a feed creates for a league without
/// seed data, or new teams of a league whose seed admits them: ``SeedTeams/admitsNewTeams``).
/// INVALID_ARGUMENT names the team (its index and id) and the field:
/// `teams[0] (id "wnba-IND"): id: "wnba-IND" is a seed team of wnba; it cannot be changed`.
public enum TeamValidation {
    /// Longest tricode, city, name, conference or division accepted, in UTF-8 bytes.
    public static let maximumTextBytes = RequestLimits.teamTextBytes

    /// Checks every team, and no id twice.
    public static func validate(teams: [Team], maximumCount: Int) throws(RPCError) {
        try FieldCheck.count(teams.count, field: "teams", maximum: maximumCount)
        var seen: Set<String> = []
        for (index, team) in teams.enumerated() {
            try validate(team, index: index)
            guard seen.insert(team.id).inserted else {
                throw RPCError(.invalidArgument, "teams[\(index)] (id \"\(team.id)\"): id: the same team appears twice")
            }
        }
    }

    /// Checks one team: a known league without seed data (or a new team of one that admits
    /// new teams), an id built from the league and the
    /// tricode (``Leagues/teamID(leagueID:abbreviation:)``), short texts and `#rrggbb` colours.
    public static func validate(_ team: Team, index: Int) throws(RPCError) {
        let prefix = team.id.isEmpty ? "teams[\(index)]" : "teams[\(index)] (id \"\(FieldCheck.shown(team.id))\")"
        func invalid(_ field: String, _ why: String) -> RPCError {
            RPCError(.invalidArgument, "\(prefix): \(field): \(why)")
        }
        guard Leagues.ids.contains(team.leagueId) else {
            throw invalid(
                "league_id",
                "\"\(FieldCheck.shown(team.leagueId))\" is not a known league (\(Leagues.all.map(\.id).joined(separator: ", ")))")
        }
        if let seeds = SeedTeams.forLeague(team.leagueId) {
            // A league whose table is complete takes no team; one that grows (the WNBA) takes a
            // new team, never a change to one of its table's.
            guard seeds.admitsNewTeams else {
                throw invalid("league_id", "\"\(team.leagueId)\" has seed data; its teams cannot be changed")
            }
            guard !seeds.ids.contains(team.id) else {
                throw invalid("id", "\"\(team.id)\" is a seed team of \(team.leagueId); it cannot be changed")
            }
        }
        if let problem = FieldCheck.identifierProblem(team.tricode, maximumBytes: RequestLimits.teamIDBytes) {
            throw invalid("tricode", problem)
        }
        let expected = Leagues.teamID(leagueID: team.leagueId, abbreviation: team.tricode)
        guard team.id == expected else {
            throw invalid("id", "must be \"\(FieldCheck.shown(expected))\" (the league id, \"-\" and the tricode)")
        }
        if let problem = FieldCheck.identifierProblem(team.id, maximumBytes: RequestLimits.teamIDBytes) {
            throw invalid("id", problem)
        }
        for (field, text) in [("city", team.city), ("name", team.name), ("conference", team.conference), ("division", team.division)] {
            if let problem = FieldCheck.textProblem(text, maximumBytes: maximumTextBytes) { throw invalid(field, problem) }
        }
        for (field, color) in [("primary_color", team.primaryColor), ("secondary_color", team.secondaryColor)]
        where !color.isEmpty && !isColor(color) {
            throw invalid(field, "\"\(FieldCheck.shown(color))\" is not a colour written #rrggbb")
        }
    }

    /// "#" and six hexadecimal digits.
    static func isColor(_ text: String) -> Bool { TeamColor.isValid(text) }
}
