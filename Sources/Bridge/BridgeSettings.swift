public import ServiceKit

extension BridgeConfiguration {
    public init(reader: SettingsReader) throws(SettingsError) {
        typealias S = BridgeSettings
        host = try reader.read(CommonSettings.host)
        httpPort = try reader.read(S.httpPort)
        admin = try AdminSettings(reader: reader, defaultPort: S.adminPort)
        log = try LogSettings(reader: reader)
        tokenFile = try reader.read(ClientCredentialSettings.tokenFile)
        shutdownGrace = try reader.read(CommonSettings.shutdownGrace)
        staticDirectory = try reader.read(S.staticDir)
        subscriptionAddress = try reader.read(ServiceAddresses.subscription)
        scoreAddress = try reader.read(ServiceAddresses.score)
        scheduleAddress = try reader.read(ServiceAddresses.schedule)
        scheduleLookupTimeout = try reader.read(ScheduleLookupSettings.timeout)
        scheduleLookupRetry = try reader.read(ScheduleLookupSettings.retry)
        clientTLS = try GRPCClientSettings.tls(from: reader)
        tls = try GRPCServerSettings.tls(from: reader, clientCertificates: false)
        heartbeat = try reader.read(S.heartbeat)
        idleTimeout = try reader.read(S.idleTimeout)
        allowedOrigins = try reader.read(S.allowedOrigins)
        maxConnectionsPerIP = try reader.read(S.maxConnectionsPerIP)
        trustedProxies = try reader.read(S.trustedProxies)
        maxMessagesPerSecond = try reader.read(S.maxMessagesPerSecond)
        apiRequestsPerSecond = try reader.read(S.apiRequestsPerSecond)
        maxMessageBytes = try reader.read(S.maxMessageBytes)
        maxGames = try reader.read(S.maxGames)
        maxTeams = try reader.read(S.maxTeams)
        reconnectSpreadMs = try reader.read(S.reconnectSpreadMs)
        slowConsumerTimeout = try reader.read(S.slowConsumer)
        maxCollapsedGames = try reader.read(S.maxCollapsedGames)
        writeBufferLowWaterMark = try reader.read(S.writeBufferLow)
        writeBufferHighWaterMark = try reader.read(S.writeBufferHigh)
        guard writeBufferHighWaterMark > writeBufferLowWaterMark else {
            throw reader.refuse(S.writeBufferHigh, "must be greater than --write-buffer-low (got \(writeBufferHighWaterMark))")
        }
        recentEventsPerGame = try reader.read(S.recentEvents)
        hubQueueCapacity = try reader.read(S.hubQueue)
        requestHeadTimeout = try reader.read(S.requestHeadTimeout)
        keepAliveTimeout = try reader.read(S.keepAliveTimeout)
        maxRequestHeadBytes = try reader.read(S.maxRequestHeadBytes)
        maxHTTPConnections = try reader.read(S.maxHTTPConnections)
        maxHTTPConnectionsPerIP = try reader.read(S.maxHTTPConnectionsPerIP)
        maxPingsPerSecond = try reader.read(S.maxPingsPerSecond)
        maxQueuedBytes = try reader.read(S.maxQueuedBytes)
        guard maxQueuedBytes >= writeBufferHighWaterMark else {
            throw reader.refuse(
                S.maxQueuedBytes, "must be at least --write-buffer-high (\(writeBufferHighWaterMark)) (got \(maxQueuedBytes))")
        }
        websocketEcho = try reader.read(S.websocketEcho)
        connectionJWKSFile = try reader.read(S.connectionJWKSFile)
        connectionTokenAudience = try reader.read(S.connectionTokenAudience)
        connectionTokenIssuer = try reader.read(S.connectionTokenIssuer)
        connectionTokenGrace = try reader.read(S.connectionTokenGrace)
        privateGames = try reader.read(S.privateGames)
        if !privateGames.isEmpty && connectionJWKSFile.isEmpty {
            throw reader.refuse(S.privateGames, "needs --connection-jwks-file (without keys no browser could follow them)")
        }
        privateLeagues = try reader.read(S.privateLeagues)
        if !privateLeagues.isEmpty && connectionJWKSFile.isEmpty {
            throw reader.refuse(S.privateLeagues, "needs --connection-jwks-file (without keys no browser could follow them)")
        }
    }
}

/// The bridge's own settings (services/bridge/README.md).
enum BridgeSettings {
    /// Rates (per second) above this are refused: they would mean no limit, and doubling them
    /// for a burst must not overflow.
    static let maximumRate = 1_000_000

    static let httpPort = Setting.port("http-port", default: 8080, help: "HTTP port: page, /ws, /events, /api.")
    static let adminPort = 9104
    static let staticDir = Setting.text(
        "static-dir", default: "", defaultText: "the page shipped with the binary",
        help: "Folder of the page and its files; by default the page shipped beside the executable."
    )
    static let heartbeat = Setting.seconds(
        "heartbeat-seconds", default: .seconds(15), in: 0.001...86_400, help: "Seconds between heartbeats and WebSocket pings."
    )
    static let idleTimeout = Setting.seconds(
        "idle-timeout-seconds", default: .seconds(45), in: 0.001...86_400,
        help: "Close a WebSocket that sent nothing for this many seconds, with 4001."
    )
    static let allowedOrigins = Setting<[String]>.list(
        "allowed-origins", default: [], help: "Comma-separated origins allowed besides the request's own; * allows any."
    ) { entries throws(SettingProblem) in entries }
    static let maxConnectionsPerIP = Setting.integer(
        "max-connections-per-ip", default: 100, in: 1...Int.max, help: "WebSocket + SSE connections per client address."
    )
    static let trustedProxies = Setting<[String]>.list(
        "trusted-proxies", default: [], help: "Comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For names the client."
    ) { entries throws(SettingProblem) in
        for proxy in entries where AddressRange(proxy) == nil {
            throw .rejected("'\(proxy)' is neither an IP address nor a CIDR range (like 10.0.0.0/8)")
        }
        return entries
    }
    static let maxMessagesPerSecond = Setting.integer(
        "max-messages-per-second", default: 10, in: 1...maximumRate,
        help: "Client messages per second per connection; bursts of twice this."
    )
    static let apiRequestsPerSecond = Setting.integer(
        "api-requests-per-second", default: 20, in: 0...maximumRate,
        help: "JSON API requests per second per client address, bursts of twice this; 0 = no limit."
    )
    static let maxMessageBytes = Setting.integer(
        "max-message-bytes", default: 65_536, in: 128...(16 << 20), help: "Largest client message in bytes; larger closes with 1009."
    )
    static let maxGames = Setting.integer("max-games", default: 200, in: 1...Int.max, help: "Games a connection may follow by id.")
    static let maxTeams = Setting.integer("max-teams", default: 30, in: 1...Int.max, help: "Teams a connection may follow.")
    static let reconnectSpreadMs = Setting.integer(
        "reconnect-spread-ms", default: 5_000, in: 0...600_000, help: "Spread goaway.retryAfterMs over 0 to this many ms at shutdown."
    )
    static let slowConsumer = Setting.seconds(
        "slow-consumer-seconds", default: .seconds(10), in: 0.001...86_400,
        help: "Close a connection whose socket stays unwritable this many seconds, with 4000."
    )
    static let maxCollapsedGames = Setting.integer(
        "max-collapsed-games", default: 256, in: 1...Int.max, help: "Close a slow connection behind on more games than this, with 4000."
    )
    static let writeBufferLow = Setting.integer(
        "write-buffer-low", default: 16 * 1024, in: 1...Int.max, help: "Socket write buffer low water mark in bytes."
    )
    static let writeBufferHigh = Setting.integer(
        "write-buffer-high", default: 32 * 1024, in: 1...Int.max,
        help: "Socket write buffer high water mark in bytes (above --write-buffer-low): above it a connection is slow."
    )
    static let recentEvents = Setting.integer(
        "recent-events", default: 1024, in: 0...Int.max, help: "Recent events kept per game to resume browsers."
    )
    static let hubQueue = Setting.integer(
        "hub-queue", default: 100_000, in: 1...Int.max, help: "Items an event loop may fall behind the relay before it resynchronises."
    )
    static let requestHeadTimeout = Setting.seconds(
        "request-head-timeout-seconds", default: .seconds(10), in: 0.001...86_400,
        help: "Seconds a client has to complete a request head, the WebSocket upgrade's included; 408 then."
    )
    static let keepAliveTimeout = Setting.seconds(
        "keep-alive-timeout-seconds", default: .seconds(60), in: 0.001...86_400,
        help: "Close a keep-alive HTTP connection idle this many seconds between requests."
    )
    static let maxRequestHeadBytes = Setting.integer(
        "max-request-head-bytes", default: 65_536, in: 1024...(16 << 20),
        help: "Largest request head (target and header fields) in bytes; larger gets 431."
    )
    static let maxHTTPConnections = Setting.integer(
        "max-http-connections", default: 50_000, in: 1...Int.max, help: "Open TCP connections on the HTTP port; past it new ones get 503."
    )
    static let maxHTTPConnectionsPerIP = Setting.integer(
        "max-http-connections-per-ip", default: 200, in: 1...Int.max,
        help: "Open TCP connections on the HTTP port per peer address, trusted proxies exempt; past it 429."
    )
    static let maxPingsPerSecond = Setting.integer(
        "max-pings-per-second", default: 10, in: 1...maximumRate,
        help: "WebSocket pings per second a client may send, bursts of twice this; more close with 1008."
    )
    static let maxQueuedBytes = Setting.integer(
        "max-queued-bytes", default: 1 << 20, in: 1...Int.max,
        help: "Bytes a connection may have waiting for its socket (at least --write-buffer-high); past it, it is closed as too slow."
    )
    static let connectionJWKSFile = Setting.text(
        "connection-jwks-file", default: "",
        help:
            "JWKS file of the public keys browsers' connection tokens are signed with (ES256, EdDSA, RS256); reread when it changes. None: no connection tokens."
    )
    static let connectionTokenAudience = Setting.text(
        "connection-token-audience", default: "courtside-bridge", help: "The aud a connection token must name."
    )
    static let connectionTokenIssuer = Setting.text(
        "connection-token-issuer", default: "courtside", help: "The iss a connection token must have.")
    static let connectionTokenGrace = Setting.seconds(
        "connection-token-grace-seconds", default: .seconds(10), in: 0.001...3600,
        help: "After a connection token's exp (when refresh is sent), seconds to wait for a new one before closing with 4002."
    )
    static let privateGames = Setting<[String]>.list(
        "private-games", default: [], help: "Comma-separated game ids that only a connection token naming them may follow or read."
    ) { entries throws(SettingProblem) in
        for game in entries where !ProtocolIds.isGameId(game) {
            throw .rejected("'\(game.prefix(64))' is not a game id (1–64 of A–Z a–z 0–9 _ . -)")
        }
        return entries
    }
    static let privateLeagues = Setting<[String]>.list(
        "private-leagues", default: [],
        help: "Comma-separated league ids whose games only a connection token naming the league (or the game) may follow or read."
    ) { entries throws(SettingProblem) in
        for league in entries where !ProtocolIds.isLeagueId(league) {
            throw .rejected("'\(league.prefix(64))' is not a league id (1–32 of A–Z a–z 0–9 _ . -)")
        }
        guard entries.count <= ProtocolIds.maximumLeagues else {
            throw .rejected("at most \(ProtocolIds.maximumLeagues) leagues (got \(entries.count))")
        }
        return entries
    }
    static let websocketEcho = Setting.switch(
        "websocket-echo", default: false, help: "Conformance testing only: /ws echoes messages instead of speaking the Courtside protocol."
    )
}
