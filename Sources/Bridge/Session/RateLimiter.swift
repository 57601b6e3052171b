/// The per-connection message rate (§8): a token bucket of `perSecond` tokens a second holding
/// at most `burst`, and a count of refusals in a sliding window, past which the connection is
/// closed (1008 `rate limit exceeded`).
public struct RateLimiter: Sendable {
    /// What to do with one message.
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; try again after this many milliseconds.
        case refused(retryAfterMs: Int)
        /// Refused too often: close the connection.
        case exceeded
    }

    /// The rates, the same for every connection (kept once, not in each connection's limiter).
    public struct Policy: Sendable {
        public let perSecond: Double
        public let burst: Double
        public let maximumRefusals: Int
        public let refusalWindowNanos: UInt64

        /// - Parameters:
        ///   - perSecond: sustained messages per second.
        ///   - burst: the bucket's size.
        ///   - maximumRefusals: refusals tolerated within `refusalWindowSeconds`.
        public init(perSecond: Int, burst: Int, maximumRefusals: Int = 40, refusalWindowSeconds: Int = 10) {
            self.perSecond = Double(max(1, perSecond))
            self.burst = Double(max(1, burst))
            self.maximumRefusals = maximumRefusals
            self.refusalWindowNanos = UInt64(refusalWindowSeconds) * 1_000_000_000
        }
    }

    private var bucket: TokenBucket
    private var refusals: [UInt64] = []

    /// A full bucket.
    public init(policy: Policy, nowNanos: UInt64) {
        self.bucket = TokenBucket(burst: policy.burst, nowNanos: nowNanos)
    }

    /// Takes a token for one message.
    public mutating func take(nowNanos: UInt64, policy: Policy) -> Decision {
        guard let retryAfterMs = bucket.take(nowNanos: nowNanos, perSecond: policy.perSecond, burst: policy.burst) else {
            return .allowed
        }
        let cutoff = nowNanos > policy.refusalWindowNanos ? nowNanos - policy.refusalWindowNanos : 0
        refusals.removeAll { $0 < cutoff }
        refusals.append(nowNanos)
        if refusals.count > policy.maximumRefusals { return .exceeded }
        return .refused(retryAfterMs: retryAfterMs)
    }
}
