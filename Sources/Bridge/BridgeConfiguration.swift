public import ServiceKit

/// Every setting of the bridge. `services/bridge/BridgeCommand.swift` fills it from flags and
/// environment variables (documented in services/bridge/README.md); tests build it directly.
public struct BridgeConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// HTTP port: the page, `/ws`, `/events`, `/api/...` (0: any free port).
    public var httpPort = 8080
    /// Admin port: `/metrics`, `/healthz`, `/readyz` (0: any free port).
    public var adminPort = 9104
    /// The admin port's own address (loopback unless deployed otherwise) and limits.
    public var adminHost = "127.0.0.1"
    public var adminLimits = AdminServerLimits()
    /// The folder of the page and its files. The executable passes the page it ships with
    /// (`StaticFiles.bundledPageFolder()`) unless `--static-dir` names another; the server
    /// refuses to start when the folder does not exist.
    public var staticDirectory = ""
    public var subscriptionAddress = "127.0.0.1:50053"
    public var scoreAddress = "127.0.0.1:50051"
    public var scheduleAddress = "127.0.0.1:50052"

    /// A `heartbeat` message and a WebSocket ping at least this often.
    public var heartbeat: Duration = .seconds(15)
    /// A WebSocket from which nothing arrived for this long is closed with 4001.
    public var idleTimeout: Duration = .seconds(45)
    /// Origins allowed besides the request's own (`*`: any).
    public var allowedOrigins: [String] = []
    /// WebSocket + SSE connections per client address.
    public var maxConnectionsPerIP = 100
    /// Proxies whose `X-Forwarded-For` names the client.
    public var trustedProxies: [String] = []
    /// Sustained client messages per second per connection (the burst is twice this).
    public var maxMessagesPerSecond = 10
    /// Sustained JSON API requests per second per client address (the burst is twice this;
    /// 0: no limit). Past it: 429 `rate_limited` with `Retry-After`.
    public var apiRequestsPerSecond = 20
    /// Largest reassembled client message (larger → close 1009).
    public var maxMessageBytes = 65_536
    public var maxGames = 200
    public var maxTeams = 30
    /// `goaway.retryAfterMs` is spread uniformly over `0 ..< reconnectSpreadMs`.
    public var reconnectSpreadMs = 5_000
    public var shutdownGrace: Duration = .seconds(20)

    /// Conformance testing only: `/ws` echoes messages instead of speaking the protocol.
    public var websocketEcho = false
    /// Largest message in echo mode (Autobahn section 9 sends 16 MiB).
    public var echoMaxMessageBytes = 32 << 20

    /// A connection whose socket stays unwritable this long is closed with 4000.
    public var slowConsumerTimeout: Duration = .seconds(10)
    /// A slow connection behind on more games than this is closed with 4000.
    public var maxCollapsedGames = 256
    /// Socket write buffer water marks: above `high` a connection counts as slow until it
    /// drains below `low`.
    public var writeBufferLowWaterMark = 16 * 1024
    public var writeBufferHighWaterMark = 32 * 1024
    /// Recent events kept per game to resume browsers without asking the score service.
    public var recentEventsPerGame = 1024
    /// Items an event loop's hub may fall behind the relay before it resynchronises.
    public var hubQueueCapacity = 100_000
    /// Largest SSE `Last-Event-ID` / request target.
    public var maxCursorBytes = 16_384

    /// A request head (request line and headers) must be complete this long after its first
    /// byte, or after the connection opened (408 when part of it came, else the connection just
    /// closes). The WebSocket upgrade request is a head like any other.
    public var requestHeadTimeout: Duration = .seconds(10)
    /// A keep-alive connection with no request in progress is closed after this long.
    public var keepAliveTimeout: Duration = .seconds(60)
    /// Largest request head: the target and the header fields (larger → 431).
    public var maxRequestHeadBytes = 65_536
    /// Open TCP connections on the HTTP port, for the whole process (more → 503, then closed).
    public var maxHTTPConnections = 50_000
    /// Open TCP connections on the HTTP port per peer address; trusted proxies are exempt
    /// (more → 429, then closed).
    public var maxHTTPConnectionsPerIP = 200
    /// WebSocket pings per second a client may send (the burst is twice this); more, or a ping
    /// while its socket is not writable, closes with 1008.
    public var maxPingsPerSecond = 10
    /// Bytes a connection may have waiting for its socket before it is closed as too slow
    /// (WebSocket 4000, SSE: the stream ends).
    public var maxQueuedBytes = 1 << 20

    /// The burst of the message-rate token bucket.
    public var messageBurst: Int { maxMessagesPerSecond * 2 }

    /// The burst of the ping-rate token bucket.
    public var pingBurst: Int { maxPingsPerSecond * 2 }

    public var limits: ServerMessages.Limits {
        ServerMessages.Limits(
            maxMessageBytes: maxMessageBytes, messagesPerSecond: maxMessagesPerSecond, messageBurst: messageBurst,
            maxGames: maxGames, maxTeams: maxTeams
        )
    }

    /// What each connection consults.
    public var sessionLimits: SessionLimits {
        SessionLimits(
            maxGames: maxGames, maxTeams: maxTeams, maxMessagesPerSecond: maxMessagesPerSecond, messageBurst: messageBurst,
            maxCollapsedGames: maxCollapsedGames, maxQueuedBytes: maxQueuedBytes
        )
    }

    /// The defaults (the documented ones).
    public init() {}
}

/// The few settings a connection consults, apart from the whole configuration (one copy per
/// event loop's hub, read by every connection of the loop).
public struct SessionLimits: Sendable {
    public var maxGames: Int
    public var maxTeams: Int
    public var maxMessagesPerSecond: Int
    public var messageBurst: Int
    public var maxCollapsedGames: Int
    public var maxQueuedBytes: Int
}
