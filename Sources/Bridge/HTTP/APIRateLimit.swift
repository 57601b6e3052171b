import Synchronization

/// The JSON API's request rate per client address (§11.5: 429 `rate_limited`): a token bucket of
/// `perSecond` requests a second, burst twice that, per address. Addresses whose bucket has
/// filled up again are forgotten, so the table holds only clients that were busy lately.
public final class APIRateLimit: Sendable {
    /// What to do with one request.
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; the client may try again after this many seconds.
        case refused(retryAfterSeconds: Int)
    }

    public let perSecond: Int
    private let rate: Double
    private let burst: Double
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var buckets: [String: TokenBucket] = [:]
        /// Past this many addresses, full buckets are swept out before one more is added.
        var sweepAt = APIRateLimit.minimumSweepSize
    }

    static let minimumSweepSize = 1024

    /// - Parameter perSecond: sustained requests per second per address (at least 1).
    public init(perSecond: Int) {
        self.perSecond = max(1, perSecond)
        self.rate = Double(self.perSecond)
        self.burst = Double(self.perSecond * 2)
        self.state = Mutex(State())
    }

    /// Takes a token for one request from `client`.
    public func take(_ client: String, nowNanos: UInt64) -> Decision {
        state.withLock { state in
            if state.buckets.count >= state.sweepAt, state.buckets[client] == nil {
                sweep(&state, nowNanos: nowNanos)
            }
            let fresh = TokenBucket(burst: burst, nowNanos: nowNanos)
            guard let retryAfterMs = state.buckets[client, default: fresh].take(nowNanos: nowNanos, perSecond: rate, burst: burst) else {
                return .allowed
            }
            return .refused(retryAfterSeconds: (retryAfterMs + 999) / 1000)
        }
    }

    /// Addresses currently remembered.
    public func trackedClients() -> Int {
        state.withLock { $0.buckets.count }
    }

    private func sweep(_ state: inout State, nowNanos: UInt64) {
        let (rate, burst) = (self.rate, self.burst)
        state.buckets = state.buckets.filter { _, bucket in
            var bucket = bucket
            return !bucket.isFull(nowNanos: nowNanos, perSecond: rate, burst: burst)
        }
        // Busy addresses that stay: sweep again only once the table has doubled.
        state.sweepAt = max(Self.minimumSweepSize, state.buckets.count * 2)
    }
}
