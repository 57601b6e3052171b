import CourtsideDomain
import CourtsideProto

/// The score service's rules, written again here independently of the library's `ScoreRules`,
/// so that the tests check the adapters against the contract rather than against themselves.
enum ServiceRulesValidator {
    /// Every broken rule in one game's events (published in order, after `previous`).
    static func violations(_ events: [Event], after previous: GameState? = nil) -> [String] {
        var problems: [String] = []
        var last = previous
        var ids: Set<String> = []
        for (index, event) in events.enumerated() {
            let at = "#\(index) \(event.sourceId) (\(event.kind))"
            if event.sourceId.isEmpty { problems.append("\(at): empty source id") }
            if event.gameId.isEmpty { problems.append("\(at): empty game id") }
            if !ids.insert(event.sourceId).inserted { problems.append("\(at): repeated source id") }
            guard let state = event.state else {
                problems.append("\(at): no state")
                continue
            }
            if event.points > 3 { problems.append("\(at): \(event.points) points") }
            if let last {
                if event.kind != .correction,
                    state.homeScore < last.homeScore || state.awayScore < last.awayScore
                {
                    problems.append("\(at): score down \(last.homeScore)-\(last.awayScore) → \(state.homeScore)-\(state.awayScore)")
                }
                if state.period < last.period { problems.append("\(at): period back \(last.period) → \(state.period)") }
                if last.status == .final, event.kind != .correction { problems.append("\(at): event after final") }
            }
            last = state
        }
        return problems
    }

    /// The violations of events of several games, each game checked on its own.
    static func violationsByGame(_ events: [Event], after previous: [String: GameState] = [:]) -> [String] {
        var order: [String] = []
        var byGame: [String: [Event]] = [:]
        for event in events {
            if byGame[event.gameId] == nil { order.append(event.gameId) }
            byGame[event.gameId, default: []].append(event)
        }
        return order.flatMap { violations(byGame[$0] ?? [], after: previous[$0]) }
    }

    /// Every event of `events` follows a state change only through a status-change event
    /// (Courtside's own convention, so the feed can mirror statuses into the schedule service).
    static func statusChangesOutsideStatusEvents(_ events: [Event]) -> [String] {
        var problems: [String] = []
        var status: GameStatus?
        for event in events {
            guard let state = event.state else { continue }
            if let status, status != state.status, event.kind != .statusChange {
                problems.append("\(event.sourceId): status \(status) → \(state.status) in a \(event.kind) event")
            }
            status = state.status
        }
        return problems
    }
}
