public import CourtsideProto
import CourtsideRPC
public import GRPC

/// The lifecycle of a game: which status changes are allowed, and why the others are not.
///
/// ```
/// scheduled → live | postponed | cancelled
/// postponed → scheduled | live | cancelled
/// live      → halftime | final
/// halftime  → live | final
/// final, cancelled: terminal
/// ```
/// A change to the same status is a no-op and always allowed.
public enum GameStatusMachine {
    /// The statuses a game in `status` may change to (besides staying where it is).
    public static func allowedChanges(from status: GameStatus) -> [GameStatus] {
        switch status {
        case .scheduled: [.live, .postponed, .cancelled]
        case .postponed: [.scheduled, .live, .cancelled]
        case .live: [.halftime, .final]
        case .halftime: [.live, .final]
        default: []
        }
    }

    /// Whether a game may go from `from` to `to` (true for `from == to`).
    public static func canChange(from: GameStatus, to: GameStatus) -> Bool {
        from == to || allowedChanges(from: from).contains(to)
    }

    /// Why a game may not go from `from` to `to`, or nil when it may.
    public static func refusal(from: GameStatus, to: GameStatus) -> String? {
        if canChange(from: from, to: to) { return nil }
        switch (from, to) {
        case (.final, _):
            return "a final game never changes status"
        case (.cancelled, _):
            return "a cancelled game never changes status"
        case (.scheduled, .halftime), (.scheduled, .final), (.postponed, .halftime), (.postponed, .final):
            return "a game that has not started must go live before it can be \(to.name)"
        case (.live, _), (.halftime, _):
            return "a game in play can only change to \(allowedChanges(from: from).map(\.name).joined(separator: " or "))"
        default:
            return "status \(to.name) is not a status a game can have"
        }
    }

    /// Checks a status change of one game.
    /// - Returns: true if the status changes, false for a no-op (`from == to`).
    /// - Throws: `RPCError(.failedPrecondition)` naming the game, both statuses and the reason:
    ///   "game nba-1: cannot change status from final to scheduled: a final game never changes status".
    @discardableResult
    public static func checkChange(gameID: String, from: GameStatus, to: GameStatus) throws(RPCError) -> Bool {
        if let reason = refusal(from: from, to: to) {
            throw RPCError(.failedPrecondition, "game \(gameID): cannot change status from \(from.name) to \(to.name): \(reason)")
        }
        return from != to
    }
}
