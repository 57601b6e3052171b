import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC

/// Checks games and ids from requests before anything is stored. A malformed value is
/// `INVALID_ARGUMENT`, a team that does not exist `NOT_FOUND`, with a message naming the game
/// (its index in the request and its id) and the field:
/// `games[2] (id "nba-1"): home_team_id: "XYZ" is not a known team`. The limits are the shared
/// ``RequestLimits``.
public enum GameValidation {
    /// Longest game id accepted, in UTF-8 bytes.
    public static let maximumIDLength = RequestLimits.gameIDBytes
    /// Longest venue accepted, in UTF-8 bytes.
    public static let maximumVenueLength = RequestLimits.venueBytes

    /// Checks a whole `UpsertGames` batch: each game, and no id twice.
    /// - Parameters:
    ///   - games: the games of the request, in order.
    ///   - teamIDs: the ids of the known teams.
    ///   - maximumCount: most games one request may carry.
    public static func validate(batch games: [Game], teamIDs: Set<String>, maximumCount: Int) throws(RPCError) {
        try FieldCheck.count(games.count, field: "games", maximum: maximumCount)
        var seen: [String: Int] = [:]
        for (index, game) in games.enumerated() {
            try validate(game, index: index, teamIDs: teamIDs)
            if let first = seen[game.id] {
                throw RPCError(.invalidArgument, "games[\(index)] (id \"\(game.id)\"): id: the same game is also games[\(first)]")
            }
            seen[game.id] = index
        }
    }

    /// Checks one game. `index` is its position in the request (for the message).
    public static func validate(_ game: Game, index: Int, teamIDs: Set<String>) throws(RPCError) {
        let prefix = game.id.isEmpty ? "games[\(index)]" : "games[\(index)] (id \"\(FieldCheck.shown(game.id))\")"
        func invalid(_ field: String, _ why: String) -> RPCError {
            RPCError(.invalidArgument, "\(prefix): \(field): \(why)")
        }
        func unknownTeam(_ field: String, _ team: String) -> RPCError {
            RPCError(.notFound, "\(prefix): \(field): \"\(team)\" is not a known team")
        }
        if let problem = idProblem(game.id) { throw invalid("id", problem) }
        if let problem = teamIDProblem(game.homeTeamId) { throw invalid("home_team_id", problem) }
        guard teamIDs.contains(game.homeTeamId) else { throw unknownTeam("home_team_id", game.homeTeamId) }
        if let problem = teamIDProblem(game.awayTeamId) { throw invalid("away_team_id", problem) }
        guard teamIDs.contains(game.awayTeamId) else { throw unknownTeam("away_team_id", game.awayTeamId) }
        guard game.homeTeamId != game.awayTeamId else {
            throw invalid("away_team_id", "a team cannot play itself (home and away are both \"\(game.homeTeamId)\")")
        }
        guard game.startTimeMs > 0 else {
            throw invalid("start_time_ms", "must be a positive number of milliseconds since the Unix epoch (got \(game.startTimeMs))")
        }
        if let problem = FieldCheck.timestampProblem(game.startTimeMs) { throw invalid("start_time_ms", problem) }
        guard GameDate.isCalendarDate(game.date) else {
            throw invalid("date", "\"\(FieldCheck.shown(game.date))\" is not a calendar date written YYYY-MM-DD")
        }
        if let problem = FieldCheck.textProblem(game.venue, maximumBytes: maximumVenueLength) { throw invalid("venue", problem) }
        guard game.status.isSpecified else {
            throw invalid(
                "status",
                game.status == .unspecified
                    ? "must be specified (scheduled, live, halftime, final, postponed or cancelled)"
                    : "\(game.status.rawValue) is not a known status"
            )
        }
    }

    /// Checks a game id given on its own (GetGame, UpdateGameStatus, WatchGames); `field` names
    /// it in the message ("game_id", "game_ids[3]").
    public static func validate(gameID: String, field: String) throws(RPCError) {
        if let problem = idProblem(gameID) {
            throw RPCError(.invalidArgument, "\(field): \(problem)")
        }
    }

    /// Checks a status given on its own (UpdateGameStatus, ListGames filters).
    public static func validate(status: GameStatus, field: String) throws(RPCError) {
        guard status.isSpecified else {
            throw RPCError(
                .invalidArgument,
                status == .unspecified
                    ? "\(field): must be specified (scheduled, live, halftime, final, postponed or cancelled)"
                    : "\(field): \(status.rawValue) is not a known status"
            )
        }
    }

    /// Checks a team id given in a filter: malformed is INVALID_ARGUMENT, unknown NOT_FOUND.
    public static func validate(teamID: String, field: String, teamIDs: Set<String>) throws(RPCError) {
        if let problem = teamIDProblem(teamID) { throw RPCError(.invalidArgument, "\(field): \(problem)") }
        guard teamIDs.contains(teamID) else { throw RPCError(.notFound, "\(field): \"\(teamID)\" is not a known team") }
    }

    /// What is wrong with a game id, or nil (``FieldCheck/identifierProblem(_:maximumBytes:)``).
    static func idProblem(_ id: String) -> String? {
        FieldCheck.identifierProblem(id, maximumBytes: maximumIDLength)
    }

    static func teamIDProblem(_ id: String) -> String? {
        FieldCheck.identifierProblem(id, maximumBytes: RequestLimits.teamIDBytes)
    }
}
