import CourtsideJSON
public import CourtsideProto

/// Reads ESPN's game summary (`site.api.espn.com/apis/site/v2/sports/basketball/nba/summary?event=<id>`):
/// teams and status from `header.competitions[0]`, plays from `plays[]`.
///
/// Traps handled: plays are taken in ARRAY order (`sequenceNumber` is a string and not
/// monotonic), then placed by period and clock where a play is out of order; `homeScore` and
/// `awayScore` are running scores, and a non-scoring play may carry a stale one; plays name
/// teams by ESPN id; there are no period-start plays (the builder adds them); "End Game" closes
/// the game; the header score may be ahead of the plays while the game is live (the builder
/// brings the game to it).
///
/// The league is the payload's `header.league.slug`, else the one the caller gives (the league of
/// the scoreboard the game was found on), else the NBA; teams are resolved within it only (as
/// the scoreboard's are: ``ESPNScoreboardAdapter``).
///
/// Source ids are `espn-<plays[].id>` (ESPN play ids are unique across games).
public enum ESPNSummaryAdapter {
    /// Parses a game summary into the game and its events.
    ///
    /// - Parameters:
    ///   - payload: the response body.
    ///   - league: the game's league when the payload does not say (a WNBA game followed live
    ///     must not be read as an NBA one: its "NY" would become the Knicks, its "SEA" unknown).
    public static func parse(_ payload: some Sequence<UInt8>, league: League? = nil) -> FeedResult<GameFeed> {
        var fresh = IncrementalPlayByPlay()
        return fresh.espn(Array(payload), league: league)
    }

    /// What a summary says of its game besides the plays: the game's entry, its league, the
    /// Courtside id of each of its teams' ESPN ids; and its plays, unread.
    struct Summary {
        var entry: ScoreboardGame
        var league: League
        var teams: [String: String]
        var plays: [JSONNode]
    }

    static func summary(_ root: JSONNode, league given: League?) throws(TeamProblem) -> Summary {
        let header = root["header"]
        let competitions = try invalid { () throws(FeedError) in try header["competitions"].array() }
        guard let competition = competitions.first else {
            throw .invalid(header["competitions"].failure("expected at least one competition"))
        }
        let providerId = try invalid { () throws(FeedError) in
            try header["id"].isNull ? competition["id"].identifier() : header["id"].identifier()
        }
        let gameId = "espn-\(providerId)"
        let league = try invalid { () throws(FeedError) in try ESPNScoreboardAdapter.league(slug: header["league"]["slug"], given: given) }
        let summary = try ESPNCompetition.read(competition, status: competition["status"], venue: root["gameInfo"]["venue"], league: league)
        let plays = try invalid { () throws(FeedError) in try root["plays"].optionalArray(atMost: PayloadLimits.plays) }
        return Summary(entry: summary.scoreboardGame(id: gameId), league: league, teams: summary.teamIdsByESPNId, plays: plays)
    }

    /// The members of a play that are read, found in one pass over it.
    private enum PlayMember: Int, CaseIterable {
        case awayScore, clock, homeScore, id, period, scoreValue, scoringPlay, shootingPlay, team, text, type, wallclock
    }
    private static let playMembers = JSONDocument.MemberNames(PlayMember.allCases.map { "\($0)" })

    /// One play (plays are placed in the payload's order).
    static func action(_ node: JSONNode, teams: [String: String], leagueID: String) throws(FeedError) -> PlayAction {
        try node.object()
        let members = node.members(Self.playMembers)
        func field(_ name: PlayMember) -> JSONNode { members[name.rawValue] }
        let id = try field(.id).identifier()
        let period = try field(.period)["number"].period()
        let typeText = field(.type)["text"].text
        let scoring = try field(.scoringPlay).bool(default: false)
        let value = try members.isNull(PlayMember.scoreValue.rawValue) ? 0 : members.integer(PlayMember.scoreValue.rawValue, in: 0...3)
        let shooting = try field(.shootingPlay).bool(default: false)

        var teamId = ""
        let teamNode = field(.team)["id"]
        if !teamNode.isNull {
            let espnTeam = try teamNode.identifier()
            guard let team = teams[espnTeam] else {
                throw teamNode.failure("team id \(espnTeam) is not one of the game's teams")
            }
            teamId = team
        }
        let text = members.text(PlayMember.text.rawValue)
        let kind = try kind(
            of: typeText.lowercased(), scoring: scoring, value: UInt32(value), shooting: shooting, scoreValue: field(.scoreValue))
        return PlayAction(
            sourceId: "espn-\(id)",
            kind: kind,
            period: period,
            clockMs: try field(.clock)["displayValue"].clockMs(period: period, leagueID: leagueID),
            homeScore: try members.score(PlayMember.homeScore.rawValue),
            awayScore: try members.score(PlayMember.awayScore.rawValue),
            teamId: teamId,
            player: "",
            description: text.isEmpty ? typeText : text,
            occurredAtMs: members.timestampMs(PlayMember.wallclock.rawValue),
            label: PlayAction.Label(node: node, what: "play", id: id)
        )
    }

    /// Maps ESPN's play type text (there are ~150 type ids; the text is stable and telling).
    private static func kind(of type: String, scoring: Bool, value: UInt32, shooting: Bool, scoreValue: JSONNode)
        throws(FeedError) -> PlayAction.Kind
    {
        // The text is opened once for the dozens of words it is matched against.
        var type = type
        let read = type.withUTF8 { bytes in
            Result { () throws(FeedError) in
                try Self.kind(of: ASCIISearch(bytes: bytes), scoring: scoring, value: value, shooting: shooting, scoreValue: scoreValue)
            }
        }
        return try read.get()
    }

    private static func kind(of type: ASCIISearch, scoring: Bool, value: UInt32, shooting: Bool, scoreValue: JSONNode)
        throws(FeedError) -> PlayAction.Kind
    {
        let freeThrow = type.contains("free throw")
        if type.contains("end game") || type.contains("end of game") { return .gameEnd }
        if type.contains("end period") || type.contains("end of period") || type.starts(with: "end of") {
            return .periodEnd
        }
        if type.contains("start period") || type.contains("start of period") { return .periodStart }
        if type.contains("challenge") || type.contains("review") { return .review(overturned: type.contains("overturn")) }
        if scoring {
            if freeThrow {
                guard value == 1 else { throw scoreValue.failure("a made free throw worth \(value) points") }
                return .freeThrow
            }
            guard value == 2 || value == 3 else { throw scoreValue.failure("a made basket worth \(value) points") }
            return .basket(points: value)
        }
        if shooting || freeThrow { return .miss(freeThrow: freeThrow) }
        if type.contains("rebound") { return .rebound }
        if type.contains("timeout") { return .timeout }
        if type.contains("substitution") { return .substitution }
        if type.contains("jumpball") || type.contains("jump ball") {
            return type.contains("violation") ? .violation : .jumpBall
        }
        if turnoverWords.contains(where: type.contains) { return .turnover }
        if foulWords.contains(where: type.contains) { return .foul }
        if violationWords.contains(where: type.contains) { return .violation }
        return .other
    }

    // Made once, not at every play.
    private static let turnoverWords: [StaticString] = [
        "turnover", "traveling", "back court", "shot clock", "double dribble", "palming", "discontinued dribble",
    ]
    private static let foulWords: [StaticString] = ["foul", "charge", "technical", "flagrant"]
    private static let violationWords: [StaticString] = ["violation", "goaltending", "kicked ball", "delay"]
}
