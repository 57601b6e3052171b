public import GRPC
public import ServiceKit

/// Every setting of the bridge: declared below, documented in services/bridge/README.md, read by
/// `courtside-bridge` and set directly by tests.
public struct BridgeConfiguration: ServiceConfiguration {
    public var host: String
    /// HTTP port: the page, `/ws`, `/events`, `/api/...` (0: any free port).
    public var httpPort: Int
    /// The admin port: `/metrics`, `/healthz`, `/readyz`.
    public var admin: AdminSettings
    /// The folder of the page and its files; empty: the page the executable ships with
    /// (`StaticFiles.bundledPageFolder()`). The server refuses to start when the folder does
    /// not exist.
    public var staticDirectory: String
    public var subscriptionAddress: String
    public var scoreAddress: String
    public var scheduleAddress: String
    /// How a game the schedule has not told of is looked up before its first item goes out.
    public var scheduleLookupTimeout: Duration
    public var scheduleLookupRetry: Duration
    /// HTTPS and WSS on the HTTP port; nil: cleartext HTTP.
    public var tls: ServerTLSFiles?
    /// TLS to the subscription, score and schedule services; nil: cleartext h2c.
    public var clientTLS: ClientTLSFiles?

    /// A `heartbeat` message and a WebSocket ping at least this often.
    public var heartbeat: Duration
    /// A WebSocket from which nothing arrived for this long is closed with 4001.
    public var idleTimeout: Duration
    /// Origins allowed besides the request's own (`*`: any).
    public var allowedOrigins: [String]
    /// WebSocket + SSE connections per client address.
    public var maxConnectionsPerIP: Int
    /// Proxies whose `X-Forwarded-For` names the client.
    public var trustedProxies: [String]
    /// Sustained client messages per second per connection (the burst is twice this).
    public var maxMessagesPerSecond: Int
    /// Sustained JSON API requests per second per client address (the burst is twice this;
    /// 0: no limit). Past it: 429 `rate_limited` with `Retry-After`.
    public var apiRequestsPerSecond: Int
    /// Largest reassembled client message (larger → close 1009).
    public var maxMessageBytes: Int
    public var maxGames: Int
    public var maxTeams: Int
    /// `goaway.retryAfterMs` is spread uniformly over `0 ..< reconnectSpreadMs`.
    public var reconnectSpreadMs: Int
    public var shutdownGrace: Duration
    public var log: LogSettings
    /// The bearer token presented to the services this one calls (`--token-file`; empty: none).
    public var tokenFile = ""

    /// JWKS file of the keys browsers' connection tokens are signed with; empty: none.
    public var connectionJWKSFile: String
    /// The `aud` and `iss` a connection token must have.
    public var connectionTokenAudience: String
    public var connectionTokenIssuer: String
    /// After a connection token's `exp` (when `refresh` is sent), how long a new one may take
    /// before the connection is closed with 4002.
    public var connectionTokenGrace: Duration
    /// Games only a connection token naming them may follow or read (needs the JWKS file).
    public var privateGames: [String]
    /// Leagues whose every game only a connection token naming the league (or the game) may
    /// follow or read (needs the JWKS file).
    public var privateLeagues: [String]

    /// Conformance testing only: `/ws` echoes messages instead of speaking the protocol.
    public var websocketEcho: Bool
    /// Largest message in echo mode (Autobahn section 9 sends 16 MiB).
    public var echoMaxMessageBytes = 32 << 20

    /// A connection whose socket stays unwritable this long is closed with 4000.
    public var slowConsumerTimeout: Duration
    /// A slow connection behind on more games than this is closed with 4000.
    public var maxCollapsedGames: Int
    /// Socket write buffer water marks: above `high` a connection counts as slow until it
    /// drains below `low`.
    public var writeBufferLowWaterMark: Int
    public var writeBufferHighWaterMark: Int
    /// Recent events kept per game to resume browsers without asking the score service.
    public var recentEventsPerGame: Int
    /// Items an event loop's hub may fall behind the relay before it resynchronises.
    public var hubQueueCapacity: Int
    /// Largest SSE `Last-Event-ID` / request target.
    public var maxCursorBytes = 16_384

    /// A request head (request line and headers) must be complete this long after its first
    /// byte, or after the connection opened (408 when part of it came, else the connection just
    /// closes). The WebSocket upgrade request is a head like any other.
    public var requestHeadTimeout: Duration
    /// A keep-alive connection with no request in progress is closed after this long.
    public var keepAliveTimeout: Duration
    /// Largest request head: the target and the header fields (larger → 431).
    public var maxRequestHeadBytes: Int
    /// Open TCP connections on the HTTP port, for the whole process (more → 503, then closed).
    public var maxHTTPConnections: Int
    /// Open TCP connections on the HTTP port per peer address; trusted proxies are exempt
    /// (more → 429, then closed).
    public var maxHTTPConnectionsPerIP: Int
    /// WebSocket pings per second a client may send (the burst is twice this); more, or a ping
    /// while its socket is not writable, closes with 1008.
    public var maxPingsPerSecond: Int
    /// Bytes a connection may have waiting for its socket before it is closed as too slow
    /// (WebSocket 4000, SSE: the stream ends).
    public var maxQueuedBytes: Int

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
    public init() {
        // The declared defaults are values of their settings (BridgeSettingsTests).
        try! self.init(reader: .defaults())
    }
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
