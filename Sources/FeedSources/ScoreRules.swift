public import CourtsideProto

/// The score service's rules for a game's event log, checked before anything is published.
///
/// Every event needs a game id, a source id and the state after it; a score may go down only in
/// an event of kind `correction`; the period never goes backwards; after status `final` only
/// corrections may follow; and a batch must not repeat a source id (the score service would
/// silently fold the second event into the first).
public enum ScoreRules {
    /// The rule violations in `events`, which follow the states in `previous` (by game id; a
    /// game not in it starts from nothing). An empty list means the score service accepts them.
    public static func violations(in events: [Event], after previous: [String: GameState] = [:]) -> [FeedError] {
        var problems: [FeedError] = []
        var states = previous
        var seen: Set<String> = []
        for (index, event) in events.enumerated() {
            let label = "event \(index) (\(event.sourceId.isEmpty ? "no source id" : event.sourceId))"
            if event.gameId.isEmpty { problems.append(FeedError("\(label): no game id")) }
            if event.sourceId.isEmpty { problems.append(FeedError("\(label): no source id")) }
            if !event.sourceId.isEmpty, !seen.insert("\(event.gameId)\u{0}\(event.sourceId)").inserted {
                problems.append(FeedError("\(label): source id used twice in one batch"))
            }
            guard let state = event.state else {
                problems.append(FeedError("\(label): no game state"))
                continue
            }
            if let before = states[event.gameId] {
                let isCorrection = event.kind == .correction
                if !isCorrection, state.homeScore < before.homeScore || state.awayScore < before.awayScore {
                    problems.append(
                        FeedError(
                            "\(label): score went down from \(before.homeScore)–\(before.awayScore) to "
                                + "\(state.homeScore)–\(state.awayScore) in a \(event.kind) event"
                        )
                    )
                }
                if state.period < before.period {
                    problems.append(FeedError("\(label): period went back from \(before.period) to \(state.period)"))
                }
                if before.status == .final, !isCorrection {
                    problems.append(FeedError("\(label): a \(event.kind) event after the game was final"))
                }
            }
            states[event.gameId] = state
        }
        return problems
    }
}
