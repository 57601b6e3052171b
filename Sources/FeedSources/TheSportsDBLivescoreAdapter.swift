import CourtsideDomain
import CourtsideProto

/// Reads TheSportsDB's livescore: v2 `livescore/basketball` or `livescore/all`
/// (`{"livescore": […]}`) and v1 `livescore.php` (its list named `livescore` in real responses,
/// `events` in the documentation: both are read), whose entries have the same fields:
/// `idEvent`, `idLeague`, `strLeague`, `strHomeTeam`/`strAwayTeam`, `intHomeScore`/
/// `intAwayScore` (strings, null before tip-off), `strStatus`, `strProgress`, `strTimestamp`.
///
/// It may list every sport and every basketball league TheSportsDB follows; only the basketball
/// leagues Courtside has seed data for are read — by `idLeague`: 4387 the NBA, 4516 the WNBA —
/// and the other entries are left out without a word (they are not errors: the feed covers
/// every league in the world), the basketball games among them counted
/// (``ScoreboardSnapshot/otherLeagueGames``).
/// `{"livescore": null}` (nothing live) is an empty scoreboard. Teams are matched by their full
/// name within the entry's league only ("Indiana Fever" is never the Pacers).
///
/// Status (`strStatus`): `NS` scheduled; `Q1`…`Q4` live in that quarter; `OT` live in overtime
/// (the feed does not say which, so the 5th period); `HT` halftime; `BT` a break between
/// quarters (the period is not given: the one the previous snapshot had, else the 1st), with
/// the period over; `FT`, `AOT` final (`AOT`: after overtime, period 5); `POST` postponed;
/// `CANC`, `ABD`, `AWD` cancelled; any other is refused. The feed gives no game clock
/// (`strProgress` is not a clock), so the clock is 0 and never running: only scores, periods
/// and statuses move. Game ids are `tsdb-<idEvent>`.
public enum TheSportsDBLivescoreAdapter {
    /// TheSportsDB's league ids of the leagues Courtside reads.
    static let leagues: [String: League] = ["4387": Leagues.nba, "4516": Leagues.wnba]

    /// Parses a livescore payload into the games of the leagues Courtside reads.
    ///
    /// - Parameters:
    ///   - payload: the response body.
    ///   - previous: the last accepted snapshot (for the period of a game at a break).
    ///   - unknownTeams: what to do with a game whose team is not one of its league's teams.
    public static func parse(
        _ payload: some Sequence<UInt8>,
        previous: ScoreboardSnapshot? = nil,
        unknownTeams: UnknownTeamPolicy = .reject
    ) -> FeedResult<ScoreboardSnapshot> {
        var nodes: [JSONNode] = []
        var otherLeagueGames = 0
        do throws(FeedError) {
            let root = try JSONNode.parse(Array(payload)).object()
            let list = root["livescore"].exists ? root["livescore"] : root["events"]
            guard list.exists else { throw root.failure("expected a \"livescore\" or \"events\" list, found neither") }
            for node in try list.optionalArray(atMost: PayloadLimits.plays) {
                try node.object()
                let sport = try node["strSport"].optionalString() ?? "Basketball"
                guard sport.lowercased() == "basketball" else { continue }
                guard leagues[leagueId(node)] != nil else {
                    otherLeagueGames += 1
                    continue
                }
                nodes.append(node)
            }
            guard nodes.count <= PayloadLimits.games else {
                throw list.failure(
                    "\(nodes.count) games of the leagues read, more than the \(PayloadLimits.games) accepted", category: .tooLarge)
            }
        } catch {
            return .failure(FeedRejection(error))
        }
        let collected = ScoreboardSnapshot.collect(nodes, policy: unknownTeams) { (node) throws(TeamProblem) in
            let league = leagues[leagueId(node)] ?? Leagues.nba
            let seeds = SeedTeams.forLeague(league.id) ?? SeedTeams.nba
            let home = try team(node["strHomeTeam"], in: seeds)
            let away = try team(node["strAwayTeam"], in: seeds)
            return try invalid { () throws(FeedError) in try read(node, league: league, home: home, away: away, previous: previous) }
        }
        return collected.map { snapshot in
            var snapshot = snapshot
            snapshot.otherLeagueGames = otherLeagueGames
            return snapshot
        }
    }

    /// The entry's `idLeague` (a string or a number), or "" when it has none.
    private static func leagueId(_ node: JSONNode) -> String {
        (try? node["idLeague"].identifier()) ?? ""
    }

    private static func team(_ node: JSONNode, in seeds: SeedTeams) throws(TeamProblem) -> SeedTeam {
        let name = try invalid { () throws(FeedError) in try node.string() }
        if let team = seeds.lookup(name: name) { return team }
        throw .unknown(
            node.failure(
                "unknown team \(Excerpt.quoted(name)): not one of the \(seeds.all.count) \(seeds.league.shortName) teams",
                category: .unknownTeam)
        )
    }

    private static func read(_ node: JSONNode, league: League, home: SeedTeam, away: SeedTeam, previous: ScoreboardSnapshot?)
        throws(FeedError)
        -> ScoreboardGame
    {
        let gameId = "tsdb-\(try node["idEvent"].identifier())"
        let code = try node["strStatus"].optionalString()?.trimmingASCIIWhitespace() ?? "NS"
        var status = GameStatus.live
        var period: UInt32 = 0
        var periodEnded = false
        switch code.uppercased() {
        case "NS", "", "NOT STARTED", "TBD": status = .scheduled
        case "Q1", "Q2", "Q3", "Q4": period = UInt32(code.dropFirst().first?.wholeNumberValue ?? 1)
        case "OT": period = GameClock.regulationPeriods + 1
        case "HT", "HALFTIME":
            status = .halftime
            period = 2
            periodEnded = true
        case "BT":
            period = max(previous?[gameId]?.state.period ?? 1, 1)
            periodEnded = true
        case "FT", "MATCH FINISHED", "FINISHED":
            status = .final
            period = max(previous?[gameId]?.state.period ?? GameClock.regulationPeriods, GameClock.regulationPeriods)
            periodEnded = true
        case "AOT":
            status = .final
            period = max(previous?[gameId]?.state.period ?? 0, GameClock.regulationPeriods + 1)
            periodEnded = true
        case "POST", "POSTPONED": status = .postponed
        case "CANC", "CANCELLED", "CANCELED", "ABD", "AWD": status = .cancelled
        default: throw node["strStatus"].failure("unknown game status \(Excerpt.quoted(code))")
        }
        let homeScore: UInt32 = node["intHomeScore"].isNull ? 0 : try node["intHomeScore"].score()
        let awayScore: UInt32 = node["intAwayScore"].isNull ? 0 : try node["intAwayScore"].score()
        if status == .scheduled, homeScore != 0 || awayScore != 0 {
            throw node.failure("a game not started (\(Excerpt.quoted(code))) with a score of \(homeScore)–\(awayScore)")
        }
        let startTimeMs = node["strTimestamp"].timestampMs
        var date = ""
        if let day = try node["dateEvent"].optionalString(), GameDate.isCalendarDate(day) { date = day }
        if startTimeMs > 0 { date = GameDate.of(utcMillis: startTimeMs) }
        let game = Game(
            id: gameId,
            homeTeamId: home.id,
            awayTeamId: away.id,
            startTimeMs: startTimeMs,
            date: date,
            venue: node["strVenue"].text(maximumBytes: JSONNode.maximumVenueBytes).isEmpty
                ? home.arena : node["strVenue"].text(maximumBytes: JSONNode.maximumVenueBytes),
            status: status,
            leagueId: league.id
        )
        let state = GameState(
            homeScore: homeScore,
            awayScore: awayScore,
            period: period,
            clockMs: 0,
            clockRunning: false,
            status: status
        )
        return ScoreboardGame(game: game, state: state, periodEnded: periodEnded)
    }
}
