// courtside-bridge: browsers' WebSocket, SSE and JSON, and the page. See services/bridge/README.md.
import ArgumentParser
import Bridge
import Foundation
import Logging
import ServiceKit

@main
struct BridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtside-bridge",
        abstract: "Live scores for browsers: the page, WebSocket (/ws) and SSE (/events) JSON, and the JSON API (/api)."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "HTTP port: page, /ws, /events, /api (env COURTSIDE_HTTP_PORT).")
    var httpPort: Int = Environment.int("COURTSIDE_HTTP_PORT", default: 8080)

    @Option(help: "Folder of the page and its files; default: the page shipped beside the executable (env COURTSIDE_STATIC_DIR).")
    var staticDir: String = Environment.string("COURTSIDE_STATIC_DIR", default: "")

    @Option(help: "host:port of the subscription service (env COURTSIDE_SUBSCRIPTION_ADDR).")
    var subscriptionAddr: String = Environment.string("COURTSIDE_SUBSCRIPTION_ADDR", default: "127.0.0.1:50053")

    @Option(help: "host:port of the score service (env COURTSIDE_SCORE_ADDR).")
    var scoreAddr: String = Environment.string("COURTSIDE_SCORE_ADDR", default: "127.0.0.1:50051")

    @Option(help: "host:port of the schedule service (env COURTSIDE_SCHEDULE_ADDR).")
    var scheduleAddr: String = Environment.string("COURTSIDE_SCHEDULE_ADDR", default: "127.0.0.1:50052")

    @Option(help: "Seconds between heartbeats and WebSocket pings (env COURTSIDE_HEARTBEAT_SECONDS).")
    var heartbeatSeconds: Double = Environment.double("COURTSIDE_HEARTBEAT_SECONDS", default: 15)

    @Option(help: "Close a WebSocket that sent nothing for this many seconds, with 4001 (env COURTSIDE_IDLE_TIMEOUT_SECONDS).")
    var idleTimeoutSeconds: Double = Environment.double("COURTSIDE_IDLE_TIMEOUT_SECONDS", default: 45)

    @Option(help: "Comma-separated origins allowed besides the request's own; * allows any (env COURTSIDE_ALLOWED_ORIGINS).")
    var allowedOrigins: String = Environment.string("COURTSIDE_ALLOWED_ORIGINS", default: "")

    @Option(help: "WebSocket + SSE connections per client address (env COURTSIDE_MAX_CONNECTIONS_PER_IP).")
    var maxConnectionsPerIp: Int = Environment.int("COURTSIDE_MAX_CONNECTIONS_PER_IP", default: 100)

    @Option(help: "Comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For names the client (env COURTSIDE_TRUSTED_PROXIES).")
    var trustedProxies: String = Environment.string("COURTSIDE_TRUSTED_PROXIES", default: "")

    @Option(help: "Client messages per second per connection; bursts of twice this (env COURTSIDE_MAX_MESSAGES_PER_SECOND).")
    var maxMessagesPerSecond: Int = Environment.int("COURTSIDE_MAX_MESSAGES_PER_SECOND", default: 10)

    @Option(help: "JSON API requests per second per client address, bursts of twice this; 0 = no limit (env COURTSIDE_API_REQUESTS_PER_SECOND).")
    var apiRequestsPerSecond: Int = Environment.int("COURTSIDE_API_REQUESTS_PER_SECOND", default: 20)

    @Option(help: "Largest client message in bytes; larger closes with 1009 (env COURTSIDE_MAX_MESSAGE_BYTES).")
    var maxMessageBytes: Int = Environment.int("COURTSIDE_MAX_MESSAGE_BYTES", default: 65_536)

    @Option(help: "Games a connection may follow by id (env COURTSIDE_MAX_GAMES).")
    var maxGames: Int = Environment.int("COURTSIDE_MAX_GAMES", default: 200)

    @Option(help: "Teams a connection may follow (env COURTSIDE_MAX_TEAMS).")
    var maxTeams: Int = Environment.int("COURTSIDE_MAX_TEAMS", default: 30)

    @Option(help: "Spread goaway.retryAfterMs over 0 to this many ms at shutdown (env COURTSIDE_RECONNECT_SPREAD_MS).")
    var reconnectSpreadMs: Int = Environment.int("COURTSIDE_RECONNECT_SPREAD_MS", default: 5_000)

    @Option(help: "Close a connection whose socket stays unwritable this many seconds, with 4000 (env COURTSIDE_SLOW_CONSUMER_SECONDS).")
    var slowConsumerSeconds: Double = Environment.double("COURTSIDE_SLOW_CONSUMER_SECONDS", default: 10)

    @Option(help: "Close a slow connection behind on more games than this, with 4000 (env COURTSIDE_MAX_COLLAPSED_GAMES).")
    var maxCollapsedGames: Int = Environment.int("COURTSIDE_MAX_COLLAPSED_GAMES", default: 256)

    @Option(help: "Socket write buffer low water mark in bytes (env COURTSIDE_WRITE_BUFFER_LOW).")
    var writeBufferLow: Int = Environment.int("COURTSIDE_WRITE_BUFFER_LOW", default: 16 * 1024)

    @Option(help: "Socket write buffer high water mark in bytes: above it a connection is slow (env COURTSIDE_WRITE_BUFFER_HIGH).")
    var writeBufferHigh: Int = Environment.int("COURTSIDE_WRITE_BUFFER_HIGH", default: 32 * 1024)

    @Option(help: "Recent events kept per game to resume browsers (env COURTSIDE_RECENT_EVENTS).")
    var recentEvents: Int = Environment.int("COURTSIDE_RECENT_EVENTS", default: 1024)

    @Option(help: "Items an event loop may fall behind the relay before it resynchronises (env COURTSIDE_HUB_QUEUE).")
    var hubQueue: Int = Environment.int("COURTSIDE_HUB_QUEUE", default: 100_000)

    @Option(help: "Seconds a client has to complete a request head, the WebSocket upgrade's included; 408 then (env COURTSIDE_REQUEST_HEAD_TIMEOUT_SECONDS).")
    var requestHeadTimeoutSeconds: Double = Environment.double("COURTSIDE_REQUEST_HEAD_TIMEOUT_SECONDS", default: 10)

    @Option(help: "Close a keep-alive HTTP connection idle this many seconds between requests (env COURTSIDE_KEEP_ALIVE_TIMEOUT_SECONDS).")
    var keepAliveTimeoutSeconds: Double = Environment.double("COURTSIDE_KEEP_ALIVE_TIMEOUT_SECONDS", default: 60)

    @Option(help: "Largest request head (target and header fields) in bytes; larger gets 431 (env COURTSIDE_MAX_REQUEST_HEAD_BYTES).")
    var maxRequestHeadBytes: Int = Environment.int("COURTSIDE_MAX_REQUEST_HEAD_BYTES", default: 65_536)

    @Option(help: "Open TCP connections on the HTTP port; past it new ones get 503 (env COURTSIDE_MAX_HTTP_CONNECTIONS).")
    var maxHttpConnections: Int = Environment.int("COURTSIDE_MAX_HTTP_CONNECTIONS", default: 50_000)

    @Option(help: "Open TCP connections on the HTTP port per peer address, trusted proxies exempt; past it 429 (env COURTSIDE_MAX_HTTP_CONNECTIONS_PER_IP).")
    var maxHttpConnectionsPerIp: Int = Environment.int("COURTSIDE_MAX_HTTP_CONNECTIONS_PER_IP", default: 200)

    @Option(help: "WebSocket pings per second a client may send, bursts of twice this; more close with 1008 (env COURTSIDE_MAX_PINGS_PER_SECOND).")
    var maxPingsPerSecond: Int = Environment.int("COURTSIDE_MAX_PINGS_PER_SECOND", default: 10)

    @Option(help: "Bytes a connection may have waiting for its socket; past it, it is closed as too slow (env COURTSIDE_MAX_QUEUED_BYTES).")
    var maxQueuedBytes: Int = Environment.int("COURTSIDE_MAX_QUEUED_BYTES", default: 1 << 20)

    @Flag(
        inversion: .prefixedNo,
        help: "Conformance testing only: /ws echoes messages instead of speaking the Courtside protocol (env COURTSIDE_WEBSOCKET_ECHO)."
    )
    var websocketEcho: Bool = Environment.bool("COURTSIDE_WEBSOCKET_ECHO", default: false)

    func validate() throws {
        try CommonOptions.checkPort(httpPort, "--http-port")
        try CommonOptions.checkAddress(subscriptionAddr, "--subscription-addr")
        try CommonOptions.checkAddress(scoreAddr, "--score-addr")
        try CommonOptions.checkAddress(scheduleAddr, "--schedule-addr")
        try Self.checkSeconds(heartbeatSeconds, "--heartbeat-seconds")
        try Self.checkSeconds(idleTimeoutSeconds, "--idle-timeout-seconds")
        try Self.checkSeconds(slowConsumerSeconds, "--slow-consumer-seconds")
        try Self.checkSeconds(requestHeadTimeoutSeconds, "--request-head-timeout-seconds")
        try Self.checkSeconds(keepAliveTimeoutSeconds, "--keep-alive-timeout-seconds")
        for proxy in Self.list(trustedProxies) where AddressRange(proxy) == nil {
            throw ValidationError("--trusted-proxies: '\(proxy)' is neither an IP address nor a CIDR range (like 10.0.0.0/8)")
        }
        guard maxConnectionsPerIp > 0 else { throw ValidationError("--max-connections-per-ip must be positive") }
        guard (1...Self.maximumRate).contains(maxMessagesPerSecond) else {
            throw ValidationError("--max-messages-per-second must be between 1 and \(Self.maximumRate)")
        }
        guard (0...Self.maximumRate).contains(apiRequestsPerSecond) else {
            throw ValidationError("--api-requests-per-second must be between 0 (no limit) and \(Self.maximumRate)")
        }
        guard (1...Self.maximumRate).contains(maxPingsPerSecond) else {
            throw ValidationError("--max-pings-per-second must be between 1 and \(Self.maximumRate)")
        }
        guard (1024...(16 << 20)).contains(maxRequestHeadBytes) else {
            throw ValidationError("--max-request-head-bytes must be between 1024 and 16777216")
        }
        guard maxHttpConnections > 0, maxHttpConnectionsPerIp > 0 else {
            throw ValidationError("--max-http-connections and --max-http-connections-per-ip must be positive")
        }
        guard (128...(16 << 20)).contains(maxMessageBytes) else { throw ValidationError("--max-message-bytes must be between 128 and 16777216") }
        guard maxGames > 0, maxTeams > 0 else { throw ValidationError("--max-games and --max-teams must be positive") }
        guard (0...600_000).contains(reconnectSpreadMs) else { throw ValidationError("--reconnect-spread-ms must be between 0 and 600000") }
        guard maxCollapsedGames > 0 else { throw ValidationError("--max-collapsed-games must be positive") }
        guard writeBufferLow > 0, writeBufferHigh > writeBufferLow else {
            throw ValidationError("--write-buffer-high must be greater than --write-buffer-low (both positive)")
        }
        guard maxQueuedBytes >= writeBufferHigh else {
            throw ValidationError("--max-queued-bytes must be at least --write-buffer-high (\(writeBufferHigh))")
        }
        guard recentEvents >= 0 else { throw ValidationError("--recent-events must not be negative") }
        guard hubQueue > 0 else { throw ValidationError("--hub-queue must be positive") }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: Logger.Level(rawValue: common.logLevel) ?? .info, format: LogFormat(rawValue: common.logFormat) ?? .text)
        let logger = Logger(label: "bridge")
        var configuration = BridgeConfiguration()
        configuration.host = common.host
        configuration.httpPort = httpPort
        configuration.adminPort = common.adminPort(default: 9104)
        configuration.adminHost = common.adminHost
        configuration.adminLimits = common.adminLimits
        configuration.staticDirectory = staticDir.isEmpty ? StaticFiles.bundledPageFolder() : staticDir
        configuration.subscriptionAddress = subscriptionAddr
        configuration.scoreAddress = scoreAddr
        configuration.scheduleAddress = scheduleAddr
        configuration.heartbeat = Self.duration(heartbeatSeconds)
        configuration.idleTimeout = Self.duration(idleTimeoutSeconds)
        configuration.allowedOrigins = Self.list(allowedOrigins)
        configuration.maxConnectionsPerIP = maxConnectionsPerIp
        configuration.trustedProxies = Self.list(trustedProxies)
        configuration.maxMessagesPerSecond = maxMessagesPerSecond
        configuration.apiRequestsPerSecond = apiRequestsPerSecond
        configuration.maxMessageBytes = maxMessageBytes
        configuration.maxGames = maxGames
        configuration.maxTeams = maxTeams
        configuration.reconnectSpreadMs = reconnectSpreadMs
        configuration.shutdownGrace = common.shutdownGrace
        configuration.websocketEcho = websocketEcho
        configuration.slowConsumerTimeout = Self.duration(slowConsumerSeconds)
        configuration.requestHeadTimeout = Self.duration(requestHeadTimeoutSeconds)
        configuration.keepAliveTimeout = Self.duration(keepAliveTimeoutSeconds)
        configuration.maxRequestHeadBytes = maxRequestHeadBytes
        configuration.maxHTTPConnections = maxHttpConnections
        configuration.maxHTTPConnectionsPerIP = maxHttpConnectionsPerIp
        configuration.maxPingsPerSecond = maxPingsPerSecond
        configuration.maxQueuedBytes = maxQueuedBytes
        configuration.maxCollapsedGames = maxCollapsedGames
        configuration.writeBufferLowWaterMark = writeBufferLow
        configuration.writeBufferHighWaterMark = writeBufferHigh
        configuration.recentEventsPerGame = recentEvents
        configuration.hubQueueCapacity = hubQueue
        if websocketEcho { logger.warning("--websocket-echo: /ws echoes messages (conformance testing only)") }
        logger.info("starting", metadata: ["subscription": "\(subscriptionAddr)", "score": "\(scoreAddr)", "schedule": "\(scheduleAddr)"])
        try await BridgeServer(configuration: configuration, logger: logger).run()
    }

    /// Rates (per second) above this are refused: they would mean no limit, and doubling them
    /// for a burst must not overflow.
    static let maximumRate = 1_000_000

    /// A number of seconds between a millisecond and a day.
    static func checkSeconds(_ seconds: Double, _ flag: String) throws {
        guard seconds >= 0.001, seconds <= 86_400 else { throw ValidationError("\(flag) must be between 0.001 and 86400") }
    }

    /// Seconds checked by `checkSeconds` as a duration.
    static func duration(_ seconds: Double) -> Duration {
        .milliseconds(Int64(exactly: (seconds * 1000).rounded()) ?? 1)
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
