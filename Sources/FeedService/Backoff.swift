/// Exponential backoff with jitter: each wait doubles, up to a maximum, and is spread by ±20%
/// so that many feeds retrying against one service do not retry in lock-step.
public struct Backoff: Sendable {
    /// The first wait.
    public let initial: Duration
    /// The longest wait.
    public let maximum: Duration
    private var current: Duration

    /// A backoff starting at `initial`, doubling up to `maximum`.
    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        current = initial
    }

    /// The next wait (with jitter); the one after it is twice as long, up to the maximum.
    public mutating func next() -> Duration {
        let wait = current
        current = min(current * 2, maximum)
        return wait * Double.random(in: 0.8...1.2)
    }

    /// Starts over from the initial wait (after a success).
    public mutating func reset() {
        current = initial
    }
}
