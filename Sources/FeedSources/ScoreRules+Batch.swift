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
        var check = BatchCheck(after: previous)
        var problems: [FeedError] = []
        for event in events { check.check(event, into: &problems) }
        return problems
    }

    /// ``violations(in:after:)`` event by event, so that a batch that grows is checked only where
    /// it grew (``PlayByPlayBuilder`` keeps one, and checks each event it builds as it adds it).
    struct BatchCheck {
        /// The events checked so far (the next one's index in the batch).
        private(set) var count = 0
        /// The state after the last event checked of each game, and the source ids it used: the
        /// game of the last event is kept apart (a batch is mostly one game's events in a row, as
        /// a play-by-play builds it), so that each event hashes its source id alone.
        private var states: [String: GameState]
        private var seen: [String: Set<String>] = [:]
        private var current: (gameId: String, state: GameState?, seen: Set<String>)?

        /// Whether a repeated source id is looked for: not when the caller refuses one itself
        /// before the event is built (``PlayByPlayBuilder`` keeps every id it gave out), which
        /// saves hashing each id twice.
        private let checksSourceIds: Bool

        init(after previous: [String: GameState] = [:], checksSourceIds: Bool = true) {
            states = previous
            self.checksSourceIds = checksSourceIds
        }

        /// Makes `gameId` the current game, putting the one before it back among the others.
        private mutating func switchTo(_ gameId: String) {
            if let current { flush(current) }
            current = (gameId, states.removeValue(forKey: gameId), seen.removeValue(forKey: gameId) ?? [])
        }

        private mutating func flush(_ game: (gameId: String, state: GameState?, seen: Set<String>)) {
            if let state = game.state { states[game.gameId] = state }
            seen[game.gameId] = game.seen
        }

        /// How a problem names an event; built only for a problem (most batches have none), and
        /// not as a local closure, which would copy each event it could name.
        private static func label(_ index: Int, _ sourceId: String) -> String {
            "event \(index) (\(sourceId.isEmpty ? "no source id" : sourceId))"
        }

        /// Checks the next event of the batch, adding what it breaks to `problems`.
        mutating func check(_ event: borrowing Event, into problems: inout [FeedError]) {
            let index = count
            count += 1
            if event.gameId.isEmpty { problems.append(FeedError("\(Self.label(index, event.sourceId)): no game id")) }
            if event.sourceId.isEmpty { problems.append(FeedError("\(Self.label(index, event.sourceId)): no source id")) }
            if current?.gameId != event.gameId { switchTo(event.gameId) }
            if checksSourceIds, !event.sourceId.isEmpty, current?.seen.insert(event.sourceId).inserted == false {
                problems.append(FeedError("\(Self.label(index, event.sourceId)): source id used twice in one batch"))
            }
            guard let state = event.state else {
                problems.append(FeedError("\(Self.label(index, event.sourceId)): no game state"))
                return
            }
            if let before = current?.state {
                let broken = violations(from: before, to: state, kind: event.kind)
                if broken.contains(where: \.isScoreDown) {
                    problems.append(
                        FeedError(
                            "\(Self.label(index, event.sourceId)): score went down from \(before.homeScore)–\(before.awayScore) to "
                                + "\(state.homeScore)–\(state.awayScore) in a \(event.kind) event"
                        )
                    )
                }
                for violation in broken {
                    if case .periodBackwards(let from, let to) = violation {
                        problems.append(FeedError("\(Self.label(index, event.sourceId)): period went back from \(from) to \(to)"))
                    }
                }
                if broken.contains(.afterFinal(kind: event.kind)) {
                    problems.append(FeedError("\(Self.label(index, event.sourceId)): a \(event.kind) event after the game was final"))
                }
            }
            current?.state = state
        }
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
