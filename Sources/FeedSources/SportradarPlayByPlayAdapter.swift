import CourtsideDomain
public import CourtsideProto

/// Reads Sportradar's NBA play-by-play JSON (`games/<id>/pbp.json`, the t3/v3-era format; its
/// XML twin `pbp.xml` is mapped onto the same model by ``SportradarPlayByPlayXMLAdapter``):
/// the game's `home`/`away` teams and status, and `periods[].events[]`.
///
/// Traps handled: there is NO running score and no sequence number — events are taken in array
/// order within periods sorted by number, and the score is the sum of `statistics[].points`,
/// credited to `statistics[].team` (or the event's `attribution`); teams come with an `alias`
/// in some payloads and only a `market` and `name` in others ("New Orleans" + "Pelicans");
/// `closed` and `complete` both mean final; a scheduled game has no `periods` at all; there
/// are no period-start events (the builder adds them) and no game-end event (the builder closes
/// the game when the status says final; `home.points` and `away.points` win over the summed
/// score, by a correction, where they differ).
///
/// The payload does not name its league (Sportradar has one API per league): the caller gives
/// it, else the NBA. Teams are looked up among that league's, and clocks are bounded by its
/// periods (``GameClock/periodLengthMs(_:leagueID:)``: a WNBA quarter is 10 minutes).
///
/// Source ids are `sr-<events[].id>` (Sportradar event ids are UUIDs).
public enum SportradarPlayByPlayAdapter {
    /// Parses a play-by-play payload into the game and its events.
    ///
    /// - Parameter league: the game's league (nil: the NBA, whose game records leave it empty).
    public static func parse(_ payload: some Sequence<UInt8>, league: League? = nil) -> FeedResult<GameFeed> {
        let root: JSONNode
        do throws(FeedError) {
            root = try JSONNode.parse(Array(payload))
        } catch {
            return .failure(FeedRejection(error))
        }
        return parse(root: root, league: league)
    }

    /// Reads a payload already parsed into the JSON model (the XML adapter maps its document
    /// onto it, so both forms are read by this one reader).
    static func parse(root node: JSONNode, league: League?) -> FeedResult<GameFeed> {
        do throws(TeamProblem) {
            let root = try invalid { () throws(FeedError) in try node.object() }
            let teams = SeedTeams.forLeague(league?.id ?? Leagues.nba.id)
            let home = try team(root["home"], of: teams, league: league ?? Leagues.nba)
            let away = try team(root["away"], of: teams, league: league ?? Leagues.nba)
            return try invalid { () throws(FeedError) in try read(root, home: home, away: away, leagueID: league?.id ?? "") }
        } catch {
            return .failure(FeedRejection(error.error))
        }
    }

    private struct Side {
        var team: SeedTeam
        var providerId: String
    }

    /// A team among `teams` (nil: a league Courtside has no seed data for, whose teams this
    /// reader cannot name).
    private static func team(_ node: JSONNode, of teams: SeedTeams?, league: League) throws(TeamProblem) -> Side {
        _ = try invalid { () throws(FeedError) in try node.object() }
        let providerId = try invalid { () throws(FeedError) in try node["id"].identifier() }
        let alias = try invalid { () throws(FeedError) in try node["alias"].optionalString() ?? "" }
        let fullName = [node["market"].text, node["name"].text].filter { !$0.isEmpty }.joined(separator: " ")
        if let teams, let team = teams.lookup(abbreviation: alias) ?? teams.lookup(name: fullName) ?? teams.lookup(name: node["name"].text)
        {
            return Side(team: team, providerId: providerId)
        }
        let shown = alias.isEmpty ? Excerpt.quoted(fullName) : "\(Excerpt.quoted(alias)) (\(Excerpt.cut(fullName)))"
        throw .unknown(
            node.failure("unknown team \(shown): not one of the \(teams?.all.count ?? 0) \(league.shortName) teams", category: .unknownTeam)
        )
    }

    private static func status(_ node: JSONNode) throws(FeedError) -> GameStatus {
        switch try node.string().lowercased() {
        case "scheduled", "created", "time-tbd", "if-necessary": .scheduled
        case "inprogress", "delayed": .live
        case "halftime": .halftime
        case "complete", "closed": .final
        case "postponed": .postponed
        case "cancelled", "canceled", "unnecessary": .cancelled
        case let other: throw node.failure("unknown game status \(Excerpt.quoted(other))")
        }
    }

    private static func read(_ root: JSONNode, home: Side, away: Side, leagueID: String) throws(FeedError) -> FeedResult<GameFeed> {
        let providerId = try root["id"].identifier()
        let gameId = "sr-\(providerId)"
        let status = try status(root["status"])
        let startTimeMs = root["scheduled"].timestampMs
        var venue = root["venue"]["name"].text(maximumBytes: JSONNode.maximumVenueBytes)
        if venue.isEmpty, try !root["neutral_site"].bool(default: false) { venue = home.team.arena }
        let game = Game(
            id: gameId,
            homeTeamId: home.team.id,
            awayTeamId: away.team.id,
            startTimeMs: startTimeMs,
            date: startTimeMs > 0 ? GameDate.of(utcMillis: startTimeMs) : "",
            venue: venue,
            status: status,
            leagueId: leagueID
        )
        let headerPeriod = try root["quarter"].isNull ? 0 : root["quarter"].period()
        let headerScore: (home: UInt32, away: UInt32)? =
            root["home"]["points"].isNull || root["away"]["points"].isNull
            ? nil : (try root["home"]["points"].score(), try root["away"]["points"].score())
        let headerClock = status == .live ? try root["clock"].clockMs(period: headerPeriod, leagueID: leagueID) ?? 0 : 0
        let headerState = GameState(
            homeScore: headerScore?.home ?? 0,
            awayScore: headerScore?.away ?? 0,
            period: headerPeriod,
            clockMs: headerClock,
            clockRunning: status == .live && headerClock > 0,
            status: status
        )

        // Periods in number order; events in array order within each.
        var periods: [(period: UInt32, node: JSONNode)] = []
        for node in try root["periods"].optionalArray(atMost: PayloadLimits.periods) {
            periods.append((try period(of: node), node))
        }
        periods.sort { $0.period < $1.period }

        var actions: [PlayAction] = []
        var problems: [FeedError] = []
        var score = (home: Int64(0), away: Int64(0))
        var playCount = 0
        let sides = [home.providerId: home.team.id, away.providerId: away.team.id]
        outer: for (period, periodNode) in periods {
            let events = try periodNode["events"].optionalArray(atMost: PayloadLimits.plays)
            playCount += events.count
            guard playCount <= PayloadLimits.plays else {
                throw periodNode["events"].failure("more than \(PayloadLimits.plays) events in all", category: .tooLarge)
            }
            for node in events {
                do throws(FeedError) {
                    actions.append(try action(node, period: period, sides: sides, home: home, leagueID: leagueID, score: &score))
                } catch {
                    problems.append(error)
                    if problems.count >= FeedRejection.maximumReasons { break outer }
                }
            }
        }
        if !problems.isEmpty { return .failure(FeedRejection(problems)) }
        let header = PlayByPlayBuilder.Header(
            status: status, score: headerScore, period: headerPeriod, clockMs: headerClock, periodEnded: status == .halftime,
            leagueID: leagueID)
        return PlayByPlayBuilder.gameFeed(game: game, headerState: headerState, header: header, plays: actions, closesWithAPlay: false)
    }

    /// Courtside's period number: `sequence` counts every period; `number` restarts at 1 for
    /// overtimes in some versions (`type` "overtime").
    private static func period(of node: JSONNode) throws(FeedError) -> UInt32 {
        if !node["sequence"].isNull { return try node["sequence"].period() }
        let number = try node["number"].period()
        let isOvertime = node["type"].text.lowercased() == "overtime"
        return isOvertime && number <= GameClock.regulationPeriods ? number + GameClock.regulationPeriods : number
    }

    private static func action(
        _ node: JSONNode,
        period: UInt32,
        sides: [String: String],
        home: Side,
        leagueID: String,
        score: inout (home: Int64, away: Int64)
    ) throws(FeedError) -> PlayAction {
        try node.object()
        let id = try node["id"].identifier()
        let type = try node["event_type"].string().lowercased()
        var teamProviderId: String?
        if !node["attribution"].isNull {
            teamProviderId = try node["attribution"]["id"].identifier()
            guard sides[teamProviderId ?? ""] != nil else {
                throw node["attribution"]["id"].failure("team \(teamProviderId ?? "") is neither home nor away")
            }
        }

        var points: Int64 = 0
        var player = ""
        for statistic in try node["statistics"].optionalArray(atMost: PayloadLimits.statistics) {
            if player.isEmpty || !statistic["points"].isNull { player = statistic["player"]["full_name"].text }
            guard !statistic["points"].isNull else { continue }
            let value = try statistic["points"].integer(in: -3...3)
            let credited = statistic["team"]["id"].isNull ? teamProviderId : try statistic["team"]["id"].identifier()
            guard let credited, sides[credited] != nil else {
                throw statistic["team"].failure("points credited to no team of this game")
            }
            if credited == home.providerId { score.home += value } else { score.away += value }
            points += value
        }
        guard score.home >= 0, score.away >= 0 else { throw node.failure("the summed score went below zero") }

        let kind = try kind(of: type, points: points, node: node)
        return PlayAction(
            sourceId: "sr-\(id)",
            kind: kind,
            period: period,
            clockMs: try node["clock"].clockMs(period: period, leagueID: leagueID),
            homeScore: UInt32(min(score.home, 999)),
            awayScore: UInt32(min(score.away, 999)),
            teamId: teamProviderId.flatMap { sides[$0] } ?? "",
            player: player,
            description: node["description"].text.isEmpty ? type : node["description"].text,
            occurredAtMs: node["updated"].timestampMs,
            label: PlayAction.Label(node: node, what: "event", id: id)
        )
    }

    private static func kind(of type: String, points: Int64, node: JSONNode) throws(FeedError) -> PlayAction.Kind {
        let nominal: Int64
        switch type {
        case "twopointmade": nominal = 2
        case "threepointmade": nominal = 3
        case "freethrowmade": nominal = 1
        default: nominal = 0
        }
        if nominal > 0 {
            guard points == nominal else { throw node.failure("\(Excerpt.quoted(type)) credited with \(points) points") }
            return nominal == 1 ? .freeThrow : .basket(points: UInt32(nominal))
        }
        switch type {
        case "twopointmiss", "threepointmiss": return .miss(freeThrow: false)
        case "freethrowmiss": return .miss(freeThrow: true)
        case "rebound", "teamrebound", "deadball": return .rebound
        case "turnover", "teamturnover": return .turnover
        case "opentip", "jumpball": return .jumpBall
        case "endperiod": return .periodEnd
        case "substitution": return .substitution
        default: break
        }
        if type.contains("review") || type.contains("challenge") {
            return .review(overturned: type.contains("overturn") || node["description"].text.lowercased().contains("overturn"))
        }
        if type.contains("timeout") { return .timeout }
        if ["foul", "flagrant", "technical", "threeseconds"].contains(where: type.contains) { return .foul }
        if ["violation", "goaltend", "kickball", "delay", "lane"].contains(where: type.contains) { return .violation }
        return .other
    }
}
