import CourtsideDomain
import CourtsideProto

/// Reads one game object of NBA live data: a `scoreboard.games[]` entry or a boxscore's `game`
/// (both use the same fields).
///
/// Traps handled: `gameStatus` 1/2/3 with a free `gameStatusText` padded with spaces;
/// `gameClock` as `PT05M41.00S`, as plain `3:37 `, or empty (then the clock is read from a
/// status text like "Q2 07:15", else taken as 0); `gameEt` carries Eastern time with a wrong
/// `Z`, so the date comes from `gameCode` ("20250416/DALSAC") and the start time from
/// `gameTimeUTC`.
///
/// The same feed serves the WNBA (`cdn.wnba.com/…/todaysScoreboard_10.json`) and the G League
/// in the same shape. The league is the game id's first two digits (NBA game ids are
/// `LLTYYNNNNN`: league, season type, season, number): `00` the NBA, `10` the WNBA, `20` the G
/// League; any other is refused. Teams are resolved within that league only (the WNBA's "IND"
/// is the Fever, never the Pacers); G League teams, which have no seed data, are created from
/// the payload's `teamCity`, `teamName` and `teamTricode`.
enum NBALiveDataGame {
    /// The league an NBA live-data game id belongs to.
    static func league(gameId node: JSONNode) throws(FeedError) -> League {
        let id = try node.identifier()
        switch id.prefix(2) {
        case "00": return Leagues.nba
        case "10": return Leagues.wnba
        case "20": return Leagues.gLeague
        default:
            throw node.failure("game id \(Excerpt.quoted(id)) names no league Courtside reads (00 NBA, 10 WNBA, 20 G League)")
        }
    }

    static func read(_ node: JSONNode) throws(TeamProblem) -> ScoreboardGame {
        _ = try invalid { () throws(FeedError) in try node.object() }
        let league = try invalid { () throws(FeedError) in try Self.league(gameId: node["gameId"]) }
        let home = try team(node["homeTeam"], in: league)
        let away = try team(node["awayTeam"], in: league)
        return try invalid { () throws(FeedError) in try read(node, league: league, home: home, away: away) }
    }

    /// A `homeTeam` or `awayTeam` object, resolved within `league`.
    static func team(_ node: JSONNode, in league: League) throws(TeamProblem) -> ResolvedTeam {
        let tricode = try invalid { () throws(FeedError) in try node["teamTricode"].string() }
        let city = node["teamCity"].text(maximumBytes: ProviderTeam.maximumTextBytes)
        let name = node["teamName"].text(maximumBytes: ProviderTeam.maximumTextBytes)
        let provided = ProviderTeam(
            abbreviation: tricode,
            displayName: [city, name].filter { !$0.isEmpty }.joined(separator: " "),
            location: city,
            name: name,
            color: "",
            alternateColor: ""
        )
        // A seeded league's team is found by its tricode only, as before leagues: a display
        // name could match a same-named team of the league by accident. A tricode the table
        // lacks is a new team of a league that admits them (the WNBA's expansion teams).
        if let seeds = SeedTeams.forLeague(league.id), !seeds.admitsNewTeams || seeds.lookup(abbreviation: tricode) != nil {
            let team = try node.team(abbreviation: tricode, in: seeds)
            return ResolvedTeam(team: team.message, arena: team.arena, created: false)
        }
        return try node.team(provided, in: league)
    }

    private static func read(_ node: JSONNode, league: League, home: ResolvedTeam, away: ResolvedTeam) throws(FeedError)
        -> ScoreboardGame
    {
        let providerId = try node["gameId"].identifier()
        let statusText = node["gameStatusText"].text.trimmingASCIIWhitespace()
        let period = try node["period"].period()
        let code = try node["gameStatus"].integer(in: 0...99)
        var status: GameStatus
        var periodEnded = false
        let lowered = statusText.lowercased()
        switch code {
        case 1:
            if lowered.contains("ppd") || lowered.contains("postpone") {
                status = .postponed
            } else if lowered.contains("cancel") {
                status = .cancelled
            } else {
                status = .scheduled
            }
        case 2:
            status = lowered.contains("half") ? .halftime : .live
            periodEnded = status == .halftime || lowered.hasPrefix("end")
        case 3:
            status = .final
            periodEnded = true
        default:
            throw node["gameStatus"].failure("unknown game status \(code) (expected 1, 2 or 3)")
        }

        // Bounded by the league's periods: a WNBA quarter is 10 minutes.
        var clock = try node["gameClock"].clockMs(period: period, leagueID: league.id)
        if clock == nil, status == .live, let lastWord = statusText.split(separator: " ").last, lastWord.contains(":") {
            clock = GameClock.parse(String(lastWord)).flatMap { $0 <= GameClock.periodLengthMs(period, leagueID: league.id) ? $0 : nil }
        }
        var state = GameState(
            homeScore: try node["homeTeam"]["score"].score(),
            awayScore: try node["awayTeam"]["score"].score(),
            period: period,
            clockMs: clock ?? 0,
            clockRunning: false,
            status: status
        )
        // Between periods, at halftime and after the game the clock shows no time left.
        if periodEnded || status == .final || status == .halftime { state.clockMs = 0 }
        state.clockRunning = status == .live && !periodEnded && state.clockMs > 0

        let startTimeMs = node["gameTimeUTC"].timestampMs
        var date = ""
        if let code = try node["gameCode"].optionalString(), code.count >= 8 {
            let digits = code.prefix(8)
            let candidate = "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))"
            if GameDate.isCalendarDate(candidate) { date = candidate }
        }
        if date.isEmpty, let local = try node["gameEt"].optionalString(), GameDate.isCalendarDate(String(local.prefix(10))) {
            date = String(local.prefix(10))
        }
        if date.isEmpty, startTimeMs > 0 { date = GameDate.of(utcMillis: startTimeMs) }

        var venue = node["arena"]["arenaName"].text(maximumBytes: JSONNode.maximumVenueBytes)
        if venue.isEmpty, try !node["isNeutral"].bool(default: false) { venue = home.arena }

        let game = Game(
            id: "nba-\(providerId)",
            homeTeamId: home.team.id,
            awayTeamId: away.team.id,
            startTimeMs: startTimeMs,
            date: date,
            venue: venue,
            status: status,
            leagueId: league.id
        )
        return ScoreboardGame(game: game, state: state, periodEnded: periodEnded, teams: [home, away].filter(\.created).map(\.team))
    }
}
