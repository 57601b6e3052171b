import CourtsideDomain
import CourtsideProto

/// Human-readable renderings of games, states and events for the terminal.
enum Format {
    static func status(_ status: GameStatus) -> String {
        status.isSpecified ? status.name : "unknown"
    }

    /// The period's short label, as the page has it (`services/bridge/public/format.js`): Q1–Q4
    /// (H1–H2 in a league of halves), then OT, 2OT, 3OT, …; "pre" before tip-off.
    static func period(_ period: UInt32, rules: PeriodRules) -> String {
        guard period > 0 else { return "pre" }
        guard rules.isOvertime(period) else { return "\(rules.regulationPeriods == 2 ? "H" : "Q")\(period)" }
        let overtime = period - rules.regulationPeriods
        return overtime == 1 ? "OT" : "\(overtime)OT"
    }

    /// The period rules of the league a team plays in, read from the team's id: a bare tricode
    /// for the NBA, `<league id>-<abbreviation>` elsewhere (``Leagues/teamID(leagueID:abbreviation:)``).
    /// Snapshots and events carry team ids but no league.
    static func periodRules(teamId: String) -> PeriodRules {
        // The longest league id that prefixes the team id: "nba-development-…" is the G League's.
        let league = Leagues.all.filter { teamId.hasPrefix($0.id + "-") }.max { $0.id.utf8.count < $1.id.utf8.count }
        return PeriodRules.forLeague(league?.id ?? Leagues.nba.id)
    }

    static func clock(_ milliseconds: UInt32) -> String {
        let seconds = (milliseconds + 999) / 1000
        return "\(seconds / 60):" + String(repeating: "0", count: seconds % 60 < 10 ? 1 : 0) + "\(seconds % 60)"
    }

    static func state(_ state: GameState?, home: String, away: String, rules: PeriodRules) -> String {
        guard let state else { return "\(home) – \(away)" }
        return
            "\(home) \(state.homeScore)–\(state.awayScore) \(away)  \(period(state.period, rules: rules)) \(clock(state.clockMs))  \(status(state.status))"
    }

    static func kind(_ kind: EventKind) -> String {
        kind.name
    }

    static func position(_ position: Position?) -> String {
        guard let position else { return "-" }
        return "\(position.epoch):\(position.seq)"
    }
}
