import CourtsideProto

/// Human-readable renderings of games, states and events for the terminal.
enum Format {
    static func status(_ status: GameStatus) -> String {
        status.isSpecified ? status.name : "unknown"
    }

    static func period(_ period: UInt32) -> String {
        switch period {
        case 0: "pre"
        case 1...4: "Q\(period)"
        case 5: "OT"
        default: "\(period - 4)OT"
        }
    }

    static func clock(_ milliseconds: UInt32) -> String {
        let seconds = (milliseconds + 999) / 1000
        return "\(seconds / 60):" + String(repeating: "0", count: seconds % 60 < 10 ? 1 : 0) + "\(seconds % 60)"
    }

    static func state(_ state: GameState?, home: String, away: String) -> String {
        guard let state else { return "\(home) – \(away)" }
        return
            "\(home) \(state.homeScore)–\(state.awayScore) \(away)  \(period(state.period)) \(clock(state.clockMs))  \(status(state.status))"
    }

    static func kind(_ kind: EventKind) -> String {
        kind.name
    }

    static func position(_ position: Position?) -> String {
        guard let position else { return "-" }
        return "\(position.epoch):\(position.seq)"
    }
}
