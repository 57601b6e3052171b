/// A token bucket: `perSecond` tokens a second, holding at most `burst`. The rates are passed
/// in on every call so that many buckets with the same rates store only their own state.
public struct TokenBucket: Sendable {
    private var tokens: Double
    private var updatedNanos: UInt64

    /// A full bucket.
    public init(burst: Double, nowNanos: UInt64) {
        self.tokens = burst
        self.updatedNanos = nowNanos
    }

    /// Takes one token: nil if there was one, else the milliseconds (at least 1) until there is.
    public mutating func take(nowNanos: UInt64, perSecond: Double, burst: Double) -> Int? {
        refill(nowNanos: nowNanos, perSecond: perSecond, burst: burst)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return max(1, Int(((1 - tokens) / perSecond * 1000).rounded(.up)))
    }

    /// Whether the bucket is full by now (it then carries no state worth keeping).
    public mutating func isFull(nowNanos: UInt64, perSecond: Double, burst: Double) -> Bool {
        refill(nowNanos: nowNanos, perSecond: perSecond, burst: burst)
        return tokens >= burst
    }

    private mutating func refill(nowNanos: UInt64, perSecond: Double, burst: Double) {
        if nowNanos > updatedNanos {
            tokens = min(burst, tokens + Double(nowNanos - updatedNanos) / 1e9 * perSecond)
            updatedNanos = nowNanos
        }
    }
}
