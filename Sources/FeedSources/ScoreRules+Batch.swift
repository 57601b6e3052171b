public import CourtsideDomain
public import CourtsideProto

/// The score service's rules for a batch of events, checked before anything is published.
///
/// Every event needs a game id, a source id and the state after it; each must follow the one
/// before it in its game by ``ScoreRules/violations(from:to:kind:)``; and a batch must not
/// repeat a source id (the score service would silently fold the second event into the first).
extension ScoreRules {
    /// The rule violations in `events`, which follow the states in `previous` (by game id; a
    /// game not in it starts from nothing). An empty list means the score service accepts them.
    public static func violations(in events: [Event], after previous: [String: GameState] = [:]) -> [FeedError] {
        var problems: [FeedError] = []
        var states = previous
        var seen: Set<SourceKey> = []
        seen.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            // Built only for a problem: most batches have none.
            var label: String { "event \(index) (\(event.sourceId.isEmpty ? "no source id" : event.sourceId))" }
            if event.gameId.isEmpty { problems.append(FeedError("\(label): no game id")) }
            if event.sourceId.isEmpty { problems.append(FeedError("\(label): no source id")) }
            if !event.sourceId.isEmpty, !seen.insert(SourceKey(gameId: event.gameId, sourceId: event.sourceId)).inserted {
                problems.append(FeedError("\(label): source id used twice in one batch"))
            }
            guard let state = event.state else {
                problems.append(FeedError("\(label): no game state"))
                continue
            }
            if let before = states[event.gameId] {
                let broken = violations(from: before, to: state, kind: event.kind)
                if broken.contains(where: \.isScoreDown) {
                    problems.append(
                        FeedError(
                            "\(label): score went down from \(before.homeScore)–\(before.awayScore) to "
                                + "\(state.homeScore)–\(state.awayScore) in a \(event.kind) event"
                        )
                    )
                }
                for violation in broken {
                    if case .periodBackwards(let from, let to) = violation {
                        problems.append(FeedError("\(label): period went back from \(from) to \(to)"))
                    }
                }
                if broken.contains(.afterFinal(kind: event.kind)) {
                    problems.append(FeedError("\(label): a \(event.kind) event after the game was final"))
                }
            }
            states[event.gameId] = state
        }
        return problems
    }

    /// A source id within its game.
    private struct SourceKey: Hashable {
        var gameId: String
        var sourceId: String
    }
}

extension ScoreRuleViolation {
    /// Whether the home or the away score went down (the feed reports both in one line).
    fileprivate var isScoreDown: Bool {
        switch self {
        case .homeScoreDown, .awayScoreDown: true
        case .afterFinal, .periodBackwards: false
        }
    }
}
