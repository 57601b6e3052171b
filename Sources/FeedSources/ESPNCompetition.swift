import CourtsideDomain
import CourtsideProto

/// What the ESPN scoreboard and game summary share: a `competitions[0]` object with its
/// competitors and status.
///
/// Traps handled: scores are strings ("111"; absent before tip-off in summaries); teams use
/// ESPN abbreviations ("GS", "NY", "SA", "NO", "UTAH", "WSH"), the same ones in the NBA and the
/// WNBA ("NY" is the Knicks or the Liberty), so teams are resolved within the game's league
/// only; the status name decides (falling
/// back to `type.state` pre/in/post for names this code does not know); `displayClock` is "8:12"
/// or seconds ("0.0", "42.1"), up to 20 minutes in men's college basketball's halves; a summary's
/// header status may carry only `type`.
struct ESPNCompetition {
    var league: League
    var home: ResolvedTeam
    var away: ResolvedTeam
    /// ESPN's team ids ("11") to Courtside team ids, for plays that name a team by id.
    var teamIdsByESPNId: [String: String]
    var homeScore: UInt32
    var awayScore: UInt32
    var status: GameStatus
    var periodEnded: Bool
    var period: UInt32
    var clockMs: UInt32
    var startTimeMs: Int64
    var venue: String

    /// Reads `competition` of a game of `league`; `status` is the status object to use (the
    /// event's or the competition's).
    static func read(
        _ competition: JSONNode,
        status statusNode: JSONNode,
        venue venueNode: JSONNode,
        league: League = Leagues.nba
    ) throws(TeamProblem) -> ESPNCompetition {
        let competitors = try invalid { () throws(FeedError) in try competition["competitors"].array() }
        var home: (team: ResolvedTeam, node: JSONNode)?
        var away: (team: ResolvedTeam, node: JSONNode)?
        var ids: [String: String] = [:]
        for competitor in competitors {
            let side = try invalid { () throws(FeedError) in try competitor["homeAway"].string() }
            let team = try competitor["team"]["abbreviation"].team(try Self.provided(competitor["team"]), in: league)
            if let espnId = try? competitor["team"]["id"].identifier() { ids[espnId] = team.team.id }
            switch side {
            case "home" where home == nil: home = (team, competitor)
            case "away" where away == nil: away = (team, competitor)
            default: throw .invalid(competitor["homeAway"].failure("unexpected or repeated side \(Excerpt.quoted(side))"))
            }
        }
        guard let home, let away else {
            throw .invalid(competition["competitors"].failure("expected a home and an away competitor"))
        }
        return try invalid { () throws(FeedError) in
            let (status, periodEnded) = try Self.status(statusNode)
            let period = try statusNode["period"].isNull ? 0 : statusNode["period"].period()
            var clock: UInt32?
            if !statusNode["clock"].isNull {
                clock = try statusNode["clock"].clockMs(period: period, leagueID: league.id)
            } else {
                clock = try statusNode["displayClock"].clockMs(period: period, leagueID: league.id)
            }
            if status != .live || periodEnded { clock = 0 }
            return ESPNCompetition(
                league: league,
                home: home.team,
                away: away.team,
                teamIdsByESPNId: ids,
                homeScore: try home.node["score"].isNull ? 0 : home.node["score"].score(),
                awayScore: try away.node["score"].isNull ? 0 : away.node["score"].score(),
                status: status,
                periodEnded: periodEnded,
                period: period,
                clockMs: clock ?? 0,
                startTimeMs: competition["date"].timestampMs,
                venue: venueNode["fullName"].text(maximumBytes: JSONNode.maximumVenueBytes)
            )
        }
    }

    /// A competitor's `team` object as the provider describes it.
    private static func provided(_ team: JSONNode) throws(TeamProblem) -> ProviderTeam {
        try invalid { () throws(FeedError) in
            ProviderTeam(
                abbreviation: try team["abbreviation"].string(),
                displayName: team["displayName"].text(maximumBytes: ProviderTeam.maximumTextBytes),
                location: team["location"].text(maximumBytes: ProviderTeam.maximumTextBytes),
                name: team["name"].text(maximumBytes: ProviderTeam.maximumTextBytes),
                color: team["color"].text,
                alternateColor: team["alternateColor"].text
            )
        }
    }

    /// The Courtside status for an ESPN status object, and whether the period is over.
    static func status(_ node: JSONNode) throws(FeedError) -> (GameStatus, periodEnded: Bool) {
        let type = node["type"]
        let name = (try type["name"].optionalString() ?? "").uppercased()
        switch name {
        case "STATUS_SCHEDULED", "STATUS_TBD": return (.scheduled, false)
        case "STATUS_IN_PROGRESS", "STATUS_DELAYED", "STATUS_RAIN_DELAY": return (.live, false)
        case "STATUS_END_PERIOD": return (.live, true)
        case "STATUS_HALFTIME": return (.halftime, true)
        case "STATUS_FINAL", "STATUS_FINAL_OT", "STATUS_FULL_TIME": return (.final, true)
        case "STATUS_POSTPONED": return (.postponed, false)
        case "STATUS_CANCELED", "STATUS_CANCELLED", "STATUS_FORFEIT": return (.cancelled, false)
        default: break
        }
        switch try type["state"].string() {
        case "pre": return (.scheduled, false)
        case "in": return (.live, false)
        case "post": return (.final, true)
        case let state: throw type["state"].failure("unknown status \(Excerpt.quoted(name)) with state \(Excerpt.quoted(state))")
        }
    }

    /// The game record and current state for a Courtside game id.
    func scoreboardGame(id: String) -> ScoreboardGame {
        let state = GameState(
            homeScore: homeScore,
            awayScore: awayScore,
            period: period,
            clockMs: clockMs,
            clockRunning: status == .live && !periodEnded && clockMs > 0,
            status: status
        )
        let game = Game(
            id: id,
            homeTeamId: home.team.id,
            awayTeamId: away.team.id,
            startTimeMs: startTimeMs,
            date: startTimeMs > 0 ? GameDate.of(utcMillis: startTimeMs) : "",
            venue: venue,
            status: status,
            leagueId: league.id
        )
        let created = [home, away].filter(\.created).map(\.team)
        return ScoreboardGame(game: game, state: state, periodEnded: periodEnded, teams: created)
    }
}
