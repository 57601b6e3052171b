public import CourtsideProto
public import GRPC

/// The rules an event must satisfy against its game's state before it is stored.
///
/// - Every event names its game and carries the source's id and the game's state after it.
/// - A score may go down only in a correction.
/// - A period never goes backwards.
/// - Nothing follows "final" but a correction.
public enum ScoreRules {
    /// Largest number of events accepted in one publish request.
    public static let maximumBatchSize = 10_000

    /// Checks the fields of one event, on its own. `index` names it in the error.
    public static func checkFields(_ event: Event, index: Int) throws(RPCError) {
        func invalid(_ why: String) -> RPCError {
            RPCError(.invalidArgument, "event \(index) (game '\(event.gameId)', source id '\(event.sourceId)'): \(why)")
        }
        if event.gameId.isEmpty { throw invalid("game_id is required") }
        if event.sourceId.isEmpty { throw invalid("source_id is required (it makes publishing idempotent)") }
        if event.sourceId.utf8.count > 256 { throw invalid("source_id is longer than 256 bytes") }
        guard let state = event.state else { throw invalid("state (the game's state after the event) is required") }
        if event.kind == .unspecified || EventKind.allDefined.firstIndex(of: event.kind) == nil {
            throw invalid("kind \(event.kind) is not a known event kind")
        }
        if state.status == .unspecified || GameStatus.allDefined.firstIndex(of: state.status) == nil {
            throw invalid("state.status \(state.status) is not a known game status")
        }
        if event.points > 3 { throw invalid("points must be 0–3, got \(event.points)") }
        if state.clockMs > 60 * 60 * 1000 { throw invalid("state.clock_ms \(state.clockMs) is more than an hour") }
        if state.period > 20 { throw invalid("state.period \(state.period) is not plausible") }
        if event.description.utf8.count > 4096 { throw invalid("description is longer than 4096 bytes") }
    }

    /// Checks an event against the state of its game before it (nil: the game has no events yet).
    public static func checkTransition(from previous: GameState?, to event: Event, index: Int) throws(RPCError) {
        guard let previous, let next = event.state else { return }
        func refused(_ why: String) -> RPCError {
            RPCError(.failedPrecondition, "event \(index) (game '\(event.gameId)', source id '\(event.sourceId)'): \(why)")
        }
        let isCorrection = event.kind == .correction
        if previous.status == .final && !isCorrection {
            throw refused("the game is final: only a correction may follow, not \(event.kind)")
        }
        if !isCorrection {
            if next.homeScore < previous.homeScore {
                throw refused("home score goes down from \(previous.homeScore) to \(next.homeScore) outside a correction")
            }
            if next.awayScore < previous.awayScore {
                throw refused("away score goes down from \(previous.awayScore) to \(next.awayScore) outside a correction")
            }
        }
        if next.period < previous.period {
            throw refused("period goes backwards from \(previous.period) to \(next.period)")
        }
    }
}
