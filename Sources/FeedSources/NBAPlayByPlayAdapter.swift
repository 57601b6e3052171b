import CourtsideDomain
import CourtsideJSON
import CourtsideProto

/// Reads NBA live data's play-by-play (`liveData/playbyplay/playbyplay_<gameId>.json`):
/// `game.actions[]`.
///
/// Traps handled: actions are ordered by `orderNumber` (strictly increasing), not by
/// `actionNumber` (which has gaps and inversions) and not by `timeActual`; `scoreHome` and
/// `scoreAway` are strings; clocks are ISO-8601 durations (`PT11M58.00S`); periods 5 and up are
/// overtimes. The play-by-play does not say which team is at home, so it is read together with
/// the game's boxscore (or its scoreboard entry).
///
/// Source ids are `nba-<gameId>-<actionNumber>`: the action number is the provider's id for an
/// action and survives re-ordering.
public enum NBAPlayByPlayAdapter {
    /// Parses a play-by-play with the boxscore of the same game.
    public static func parse(_ payload: some Sequence<UInt8>, boxscore: some Sequence<UInt8>) -> FeedResult<GameFeed> {
        switch NBABoxscoreAdapter.parse(boxscore) {
        case .success(let game): parse(payload, game: game)
        case .failure(let rejection):
            .failure(FeedRejection(rejection.reasons.map { FeedError("boxscore: \($0.reason)", category: $0.category) }))
        }
    }

    /// Parses a play-by-play for a game known from its boxscore or scoreboard entry (which gives
    /// the teams and the provider's status and score, which the builder reconciles the plays with).
    ///
    /// - Parameter holdingUnstartedPeriods: whether the plays of a period whose "Period Start" is
    ///   not listed yet wait for the payload that lists it (a live game polled while it is played:
    ///   the substitutions NBA lists between periods are numbered with the next one and come
    ///   before its start). A live game is then published as a replay of the whole file publishes
    ///   it. No effect once the game is final.
    public static func parse(
        _ payload: some Sequence<UInt8>,
        game: ScoreboardGame,
        holdingUnstartedPeriods: Bool = false
    ) -> FeedResult<GameFeed> {
        var fresh = IncrementalPlayByPlay()
        return fresh.nba(Array(payload), game: game, holdingUnstartedPeriods: holdingUnstartedPeriods)
    }

    /// The play-by-play's game id (checked against the header's) and its actions, unread.
    static func actions(_ root: JSONNode, game header: ScoreboardGame) throws(FeedError) -> (gameId: String, actions: [JSONNode]) {
        let providerId = try root["game"]["gameId"].identifier()
        let gameId = "nba-\(providerId)"
        guard gameId == header.game.id else {
            throw root["game"]["gameId"].failure("play-by-play of \(gameId) read with the boxscore of \(header.game.id)")
        }
        return (gameId, try root["game"]["actions"].array(atMost: PayloadLimits.plays))
    }

    /// The members of an action that are read, found in one pass over it.
    private enum ActionMember: Int, CaseIterable {
        case orderNumber, actionNumber, period, actionType, subType, descriptor, teamTricode, shotResult, description, playerNameI,
            playerName, clock, scoreHome, scoreAway, timeActual
    }
    private static let actionMembers = JSONDocument.MemberNames(ActionMember.allCases.map { "\($0)" })

    /// One action and its order number (actions are placed by it, equal ones in the payload's
    /// order); `teams` keeps the team id of each tricode met so far in the payload (two tricodes,
    /// hundreds of actions).
    static func action(
        _ node: JSONNode, gameId: String, header: ScoreboardGame, teams: inout [String: String]
    ) throws(FeedError) -> (Int64, PlayAction) {
        try node.object()
        let members = node.members(Self.actionMembers)
        func field(_ name: ActionMember) -> JSONNode { members[name.rawValue] }
        let order = try field(.orderNumber).integer(in: 0...Int64(Int32.max))
        let number = try field(.actionNumber).integer(in: 0...Int64(Int32.max))
        let period = try field(.period).period()
        let type = try field(.actionType).string().lowercased()
        let subType = (try field(.subType).optionalString() ?? "").lowercased()
        let descriptor = (try field(.descriptor).optionalString() ?? "").lowercased()

        var teamId = ""
        if let tricode = try field(.teamTricode).optionalString(), !tricode.isEmpty, let known = teams[tricode] {
            teamId = known
        } else if let tricode = try field(.teamTricode).optionalString(), !tricode.isEmpty {
            // Within the game's league: the WNBA's "IND" is wnba-IND, never the Pacers.
            let leagueID = header.game.leagueId.isEmpty ? Leagues.nba.id : header.game.leagueId
            let id =
                SeedTeams.forLeague(leagueID).map { $0.lookup(abbreviation: tricode)?.id ?? "" }
                ?? Leagues.teamID(leagueID: leagueID, abbreviation: tricode.trimmingASCIIWhitespace().uppercased())
            guard !id.isEmpty, id == header.game.homeTeamId || id == header.game.awayTeamId else {
                throw field(.teamTricode).failure(
                    "team \(Excerpt.quoted(tricode)) is neither \(header.game.homeTeamId) nor \(header.game.awayTeamId)"
                )
            }
            teamId = id
            teams[tricode] = id
        }

        let kind: PlayAction.Kind
        switch type {
        case "2pt", "3pt", "freethrow":
            let result = try field(.shotResult).string().lowercased()
            guard result == "made" || result == "missed" else {
                throw field(.shotResult).failure("unknown shot result \(Excerpt.quoted(result))")
            }
            if type == "freethrow" {
                kind = result == "made" ? .freeThrow : .miss(freeThrow: true)
            } else {
                kind = result == "made" ? .basket(points: type == "3pt" ? 3 : 2) : .miss(freeThrow: false)
            }
        case "period":
            kind = subType == "start" ? .periodStart : subType == "end" ? .periodEnd : .other
        case "game":
            kind = subType == "end" ? .gameEnd : .other
        case "jumpball": kind = .jumpBall
        case "rebound": kind = .rebound
        case "turnover": kind = .turnover
        case "foul": kind = .foul
        case "violation": kind = .violation
        case "timeout": kind = .timeout
        case "substitution": kind = .substitution
        case "instantreplay", "challenge", "review":
            kind = .review(overturned: subType.contains("overturn") || descriptor.contains("overturn"))
        default: kind = .other
        }

        var description = field(.description).text
        if description.isEmpty { description = [type, subType].filter { !$0.isEmpty }.joined(separator: " ") }
        let initialled = field(.playerNameI).text
        let player = initialled.isEmpty ? field(.playerName).text : initialled
        let action = PlayAction(
            sourceId: "\(gameId)-\(number)",
            kind: kind,
            period: period,
            clockMs: try field(.clock).clockMs(period: period, leagueID: header.game.leagueId),
            homeScore: try field(.scoreHome).score(),
            awayScore: try field(.scoreAway).score(),
            teamId: teamId,
            player: player,
            description: description,
            occurredAtMs: field(.timeActual).timestampMs,
            label: PlayAction.Label(node: node, what: "action", id: String(number))
        )
        return (order, action)
    }
}
