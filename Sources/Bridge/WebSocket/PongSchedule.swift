public import NIOCore

/// The pongs owed to a client's pings, bounded: RFC 6455 §5.5.3 lets an endpoint that has not
/// yet answered a ping answer only the most recent one, so at most one pong is on its way to the
/// socket and one more (the newest payload) waits behind it, however fast pings come. Pings
/// beyond a rate, or while the socket takes nothing (the client does not read its pongs), mean
/// the connection must be closed (1008).
public struct PongSchedule {
    /// What to do with one ping.
    public enum Decision: Equatable {
        /// Write a pong with this payload now.
        case send(ByteBuffer)
        /// A pong is on its way: this payload is answered when it has been written.
        case owed
        /// Close the connection with 1008.
        case close(WebSocketPolicyCloseReason)
    }

    /// The rate, the same for every connection.
    public struct Policy: Sendable {
        public let perSecond: Double
        public let burst: Double

        /// `perSecond` pings a second sustained, bursts of `burst`.
        public init(perSecond: Int, burst: Int) {
            self.perSecond = Double(max(1, perSecond))
            self.burst = Double(max(1, burst))
        }
    }

    private var bucket: TokenBucket
    private var pongInFlight = false
    private var owed: ByteBuffer?

    /// No ping yet; a full bucket.
    public init(policy: Policy, nowNanos: UInt64) {
        self.bucket = TokenBucket(burst: policy.burst, nowNanos: nowNanos)
    }

    /// A ping arrived.
    public mutating func ping(_ payload: ByteBuffer, isWritable: Bool, nowNanos: UInt64, policy: Policy) -> Decision {
        if bucket.take(nowNanos: nowNanos, perSecond: policy.perSecond, burst: policy.burst) != nil { return .close(.pingRate) }
        guard isWritable else { return .close(.pingUnread) }
        if pongInFlight {
            owed = payload
            return .owed
        }
        pongInFlight = true
        return .send(payload)
    }

    /// The pong on its way reached the socket: the payload of the next one to write, if a ping
    /// came meanwhile.
    public mutating func pongWritten() -> ByteBuffer? {
        guard let next = owed else {
            pongInFlight = false
            return nil
        }
        owed = nil
        return next
    }
}

/// Why a WebSocket is closed with 1008 for its pings.
public enum WebSocketPolicyCloseReason: String, Sendable, CaseIterable {
    /// More pings than the configured rate.
    case pingRate = "ping_rate"
    /// A ping while the socket was not writable: the client does not read its pongs.
    case pingUnread = "ping_unread"

    /// The close frame's reason.
    public var closeReason: String {
        switch self {
        case .pingRate: "ping rate exceeded"
        case .pingUnread: "pings sent while not reading"
        }
    }
}
