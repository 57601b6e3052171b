/// How many request bytes one connection may hold for its calls, and one stream of it.
///
/// A call holds request bytes from the moment they arrive until its handler takes them: a
/// message still arriving, a unary request waiting for the half-close, streamed messages the
/// handler has not read yet. Bytes a call holds within its budgets are acknowledged to the peer
/// (flow control) so that a message larger than the stream window can complete; the stream whose
/// DATA would take its own holding, or the connection's, over a budget ends with
/// RESOURCE_EXHAUSTED and its bytes are dropped. So a connection never holds more than
/// `perConnection` bytes of requests (plus one DATA frame while it is checked), whatever its
/// peer sends. Loop-bound: a plain counter, no lock.
public struct RequestBufferBudget: Sendable {
    /// Bytes one stream may hold.
    public let perStream: Int
    /// Bytes all streams of a connection may hold together.
    public let perConnection: Int
    /// Bytes the connection's streams hold now.
    public private(set) var heldBytes = 0

    public enum Verdict: Sendable, Hashable {
        case withinBudget
        /// The stream holds more than `perStream`: end it.
        case streamOverBudget
        /// The connection holds more than `perConnection` and this stream grew: end it.
        case connectionOverBudget
    }

    public init(perStream: Int, perConnection: Int) {
        self.perStream = perStream
        self.perConnection = perConnection
    }

    /// A stream's holding changed from `old` to `new` bytes. On a verdict other than
    /// `withinBudget` the caller ends the stream and reports its holding falling to 0.
    public mutating func streamHolding(changedFrom old: Int, to new: Int) -> Verdict {
        heldBytes += new - old
        guard new > old else { return .withinBudget }
        if new > perStream { return .streamOverBudget }
        if heldBytes > perConnection { return .connectionOverBudget }
        return .withinBudget
    }
}
