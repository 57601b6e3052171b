import CourtsideProto
import CourtsideRPC
public import EventRelay
import GRPC
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Prometheus
public import ServiceKit
public import ServiceLifecycle
import Synchronization

/// The bridge assembled from its configuration: one upstream `Subscribe` (all games) from the
/// subscription service into a relay whose payload is each item's ready-to-send bytes, a hub
/// per event loop fanning them out, the HTTP server (page, JSON API, `/ws`, `/events`) and the
/// admin server. The executable's `main` and the tests both use it.
public final class BridgeServer: CourtsideServer {
    public let configuration: BridgeConfiguration
    public let relay: GameRelay<BridgeItem>
    public let upstream: UpstreamFollower
    public let schedule: ScheduleCache
    public let teams: TeamDirectory
    public let leagues: LeagueDirectory
    public let readiness: Readiness
    public let serviceMetrics: ServiceMetrics
    public let metrics: BridgeMetrics
    /// The admin server, unless disabled.
    public let adminServer: AdminServer?
    private let subscriptionClient: GRPCClient
    private let scoreClient: GRPCClient
    private let scheduleClient: GRPCClient
    private let app: BridgeApp
    private let group: any EventLoopGroup
    private let channel = Mutex<(any Channel)?>(nil)
    private let heapTrimTask = Mutex<RepeatedTask?>(nil)
    private let tls: ServerTLSCredentials?
    private let logger: Logger

    /// Prepares everything (nothing listens or connects yet).
    /// - Throws: when the page's folder or an address cannot be used.
    public static func build(configuration: BridgeConfiguration, logger: Logger) async throws -> BridgeServer {
        var configuration = configuration
        if configuration.staticDirectory.isEmpty { configuration.staticDirectory = StaticFiles.bundledPageFolder() }
        try StaticFiles.checkFolder(configuration.staticDirectory)
        if configuration.websocketEcho { logger.warning("--websocket-echo: /ws echoes messages (conformance testing only)") }
        logger.info(
            "starting",
            metadata: [
                "subscription": "\(configuration.subscriptionAddress)", "score": "\(configuration.scoreAddress)",
                "schedule": "\(configuration.scheduleAddress)",
            ]
        )
        return try await BridgeServer(configuration: configuration, logger: logger)
    }

    private init(configuration: BridgeConfiguration, logger: Logger) async throws {
        tls = try configuration.tls.map { files in
            try ServerTLSCredentials(files: files, applicationProtocols: ["http/1.1"], logger: logger)
        }
        let credentials = try ServiceClientCredentials(tls: configuration.clientTLS, tokenFile: configuration.tokenFile, logger: logger)
        let subscriptionAddress = try credentials.configuration(for: configuration.subscriptionAddress, of: "subscription")
        let scoreAddress = try credentials.configuration(for: configuration.scoreAddress, of: "score")
        let scheduleAddress = try credentials.configuration(for: configuration.scheduleAddress, of: "schedule")
        self.configuration = configuration
        self.logger = logger
        group = MultiThreadedEventLoopGroup.singleton
        subscriptionClient = GRPCClient(configuration: subscriptionAddress, logger: logger)
        scoreClient = GRPCClient(configuration: scoreAddress, logger: logger)
        scheduleClient = GRPCClient(configuration: scheduleAddress, logger: logger)
        let schedule = ScheduleCache(
            client: scheduleClient,
            lookupPolicy: ScheduleCache.LookupPolicy(
                timeout: configuration.scheduleLookupTimeout, retryDelay: configuration.scheduleLookupRetry),
            logger: logger)
        self.schedule = schedule
        let teamDirectory = TeamDirectory(client: scheduleClient)
        teams = teamDirectory
        leagues = LeagueDirectory(client: scheduleClient)

        // Each item is serialised once, here, for every browser of every loop.
        let relayBox = RelayBox()
        let relay = GameRelay<BridgeItem>(
            recentCapacity: configuration.recentEventsPerGame,
            subscriberCapacity: configuration.hubQueueCapacity,
            teams: { gameId in schedule.game(gameId).map { (home: $0.homeTeamId, away: $0.awayTeamId) } },
            makePayload: { item in
                let gameId: String
                switch item.item {
                case .event(let event): gameId = event.gameId
                case .snapshot(let snapshot): gameId = snapshot.gameId
                case nil: gameId = ""
                }
                // The relay applies items one at a time, after this: its head is the state before.
                let head = relayBox.relay?.head(gameId)
                // The schedule's game, read once: teams, status and league.
                let game = schedule.game(gameId)
                var teams = game.map { (home: $0.homeTeamId, away: $0.awayTeamId) }
                if teams == nil || teams?.home.isEmpty == true, let head, !head.homeTeamId.isEmpty {
                    teams = (head.homeTeamId, head.awayTeamId)
                }
                let previous = head.map(\.state.status) ?? game?.status
                var league = game?.leagueId ?? ""
                if league.isEmpty, let home = teams?.home, !home.isEmpty { league = teamDirectory.cached(home)?.leagueId ?? "" }
                return BridgeItem(item: item, teams: teams, previousStatus: previous, league: league)
            }
        )
        relayBox.set(relay)
        self.relay = relay
        upstream = UpstreamFollower(name: "subscription \(configuration.subscriptionAddress)", logger: logger)
        readiness = Readiness()
        let upstream = self.upstream
        readiness.addCheck("subscription stream") { upstream.isConnected }
        serviceMetrics = ServiceMetrics(service: "bridge")
        metrics = BridgeMetrics(serviceMetrics)
        adminServer = configuration.admin.server(metrics: serviceMetrics, readiness: readiness, logger: logger)

        let directory = SubscriptionDirectory(
            relay: relay, history: ScoreHistorySource(client: scoreClient), schedule: schedule, teams: teams, leagues: leagues,
            logger: logger
        )
        let authority = try await ConnectionAuthority.make(
            configuration: configuration, metrics: metrics, logger: logger, leagueOf: { directory.league(of: $0) })
        var hubs: [NIOLoopBound<FanoutHub>] = []
        for loop in group.makeIterator() {
            let metrics = self.metrics
            let hub = try await loop.submit {
                NIOLoopBound(
                    FanoutHub(
                        eventLoop: loop, directory: directory, configuration: configuration, metrics: metrics, authority: authority,
                        logger: logger),
                    eventLoop: loop
                )
            }.get()
            hubs.append(hub)
        }
        let api = JSONAPI(
            schedule: scheduleClient, score: scoreClient, teams: teams, leagues: leagues, relay: relay,
            relayIsCurrent: { upstream.isConnected }, leagueOfGame: { directory.league(of: $0) },
            logger: logger
        )
        app = BridgeApp(
            configuration: configuration,
            policy: AccessPolicy(
                allowedOrigins: configuration.allowedOrigins, trustedProxies: configuration.trustedProxies,
                maxConnectionsPerIP: configuration.maxConnectionsPerIP, maxHTTPConnections: configuration.maxHTTPConnections,
                maxHTTPConnectionsPerIP: configuration.maxHTTPConnectionsPerIP
            ),
            statics: StaticFiles(root: configuration.staticDirectory), api: api, hubs: HubRegistry(hubs), metrics: metrics,
            authority: authority, logger: logger
        )
    }

    /// The HTTP server's address once it listens.
    public var localAddress: SocketAddress? { channel.withLock { $0?.localAddress } }

    // MARK: Running

    /// Starts the hubs, the upstream stream, the schedule cache and the HTTP server.
    public func start() async throws {
        await app.hubs.runOnEveryHub { $0.start() }
        startUpstream()
        let app = self.app
        let configuration = self.configuration
        let tls = self.tls
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: configuration.writeBufferLowWaterMark, high: configuration.writeBufferHighWaterMark)
            )
            .childChannelOption(.maxMessagesPerRead, value: 8)
            // Browsers send little, and NIO keeps each channel's last receive buffer for reuse:
            // a small first buffer keeps every connection 384 bytes cheaper (a handshake of a
            // few hundred bytes takes a read or two more; the buffer grows when reads fill it).
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536))
            .childChannelInitializer { channel in
                do {
                    try tls?.addTLSHandler(to: channel)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                return Self.initialize(channel, app: app)
            }
            .bind(host: configuration.host, port: configuration.httpPort)
            .get()
        channel.withLock { $0 = bound }
        startHeapTrim()
        readiness.markStarted()
        logger.info(
            "bridge listening",
            metadata: [
                "address": "\(bound.localAddress.map { "\($0)" } ?? "?")", "echo": "\(configuration.websocketEcho)",
                "subscription": "\(configuration.subscriptionAddress)", "tls": "\(tls == nil ? "off" : "on (https, wss)")",
            ]
        )
    }

    private static func initialize(_ channel: any Channel, app: BridgeApp) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            try configure(channel, app: app)
        }
    }

    /// The pipeline of a new connection on the HTTP port: refused outright past the connection
    /// limits, else the request deadline, NIO's HTTP/1 server (head size limited, WebSocket
    /// upgrade of `/ws`) and the bridge's HTTP handler.
    static func configure(_ channel: any Channel, app: BridgeApp) throws {
        let pipeline = channel.pipeline.syncOperations
        let configuration = app.configuration
        let admission = app.policy.admitConnection(peer: channel.remoteAddress)
        guard case .admitted(let peer) = admission else {
            let refusal = Self.refusal(admission)
            app.metrics.refused(refusal.reason)
            try pipeline.addHandler(ConnectionRefusalHandler(refusal.answer))
            return
        }
        let policy = app.policy
        let metrics = app.metrics
        metrics.httpConnections.increment()
        channel.closeFuture.whenComplete { _ in
            policy.connectionClosed(peer: peer)
            metrics.httpConnections.decrement()
        }
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.websocketEcho ? configuration.echoMaxMessageBytes : configuration.maxMessageBytes,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                let path = HTTPHandler.split(head.uri).path
                let upgrade = path == "/ws" && HTTPHandler.refusal(of: head) == nil && HTTPHandler.hasValidWebSocketKey(head)
                return channel.eventLoop.makeSucceededFuture(upgrade ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    try Self.upgrade(channel, head: head, app: app)
                }
            }
        )
        let deadline = RequestDeadlineHandler(
            headTimeout: HTTPHandler.timeAmount(configuration.requestHeadTimeout),
            idleTimeout: HTTPHandler.timeAmount(configuration.keepAliveTimeout),
            now: channel.eventLoop.now, metrics: app.metrics
        )
        try pipeline.addHandler(deadline, name: RequestDeadlineHandler.name)
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxRequestHeadBytes
        limits.maxHeaderFieldSize = configuration.maxRequestHeadBytes
        limits.maxHeaderFieldCount = HTTPHandler.maximumHeaderFields
        try pipeline.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
            withErrorHandling: false,
            withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
            withDecoderLimitConfiguration: limits
        )
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(PipelineLimitHandler(metrics: app.metrics), name: PipelineLimitHandler.name, position: .after(decoder))
        try pipeline.addHandler(HTTPHandler(app: app, deadline: deadline), name: HTTPHandler.name)
    }

    /// What a connection refused when it opened gets, and why it is counted.
    private static func refusal(_ admission: AccessPolicy.SocketAdmission) -> (reason: HTTPRefusal, answer: HTTPAnswer) {
        if admission == .processFull {
            let message = "the bridge has too many connections; try again"
            return (.processConnections, .error(.serviceUnavailable, code: "unavailable", message: message, retryAfterSeconds: 5))
        }
        let message = "too many connections from this address"
        return (.addressConnections, .error(.tooManyRequests, code: "too_many_connections", message: message, retryAfterSeconds: 15))
    }

    /// After the handshake: our frame writer goes before NIO's encoder (we write prebuilt
    /// frames), then the connection is admitted or refused (origin, connections per client).
    private static func upgrade(_ channel: any Channel, head: HTTPRequestHead, app: BridgeApp) throws {
        let pipeline = channel.pipeline.syncOperations
        let writer = RawFrameWriter()
        try pipeline.addHandler(writer, position: .before(try pipeline.context(handlerType: WebSocketFrameEncoder.self).handler))
        pipeline.removeHandler(context: try pipeline.context(name: HTTPHandler.name), promise: nil)
        pipeline.removeHandler(context: try pipeline.context(name: RequestDeadlineHandler.name), promise: nil)
        if let limit = try? pipeline.context(name: PipelineLimitHandler.name) { pipeline.removeHandler(context: limit, promise: nil) }
        let configuration = app.configuration
        if configuration.websocketEcho {
            try pipeline.addHandler(
                WebSocketHandler(
                    mode: .echo, writer: writer, configuration: configuration, metrics: app.metrics, rejection: nil, onClosed: {}))
            return
        }
        guard let hub = app.hubs.hub(for: channel.eventLoop) else { throw ChannelError.ioOnClosedChannel }
        var rejection: WebSocketHandler.Rejection?
        var release: () -> Void = {}
        if app.isDraining {
            rejection = .draining
        } else if !app.policy.isOriginAllowed(origin: head.headers["origin"].first, host: head.headers["host"].first) {
            rejection = .originNotAllowed
        } else {
            let client = app.policy.clientAddress(peer: channel.remoteAddress, forwardedFor: head.headers["x-forwarded-for"])
            if app.policy.acquire(client) {
                let policy = app.policy
                release = { policy.release(client) }
            } else {
                rejection = .tooManyConnections
            }
        }
        app.metrics.httpRequests.increment()
        try pipeline.addHandler(
            WebSocketHandler(
                mode: .bridge(hub), writer: writer, configuration: configuration, metrics: app.metrics, rejection: rejection,
                onClosed: release
            ))
    }

    /// Every 2 s: after many connections closed, trim the heap (off the event loops).
    private func startHeapTrim() {
        let trim = HeapTrim()
        let policy = app.policy
        let task = group.next().scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { _ in
            guard trim.shouldTrim(openConnections: policy.openHTTPConnections) else { return }
            Task.detached(priority: .background) { HeapTrim.trim() }
        }
        heapTrimTask.withLock { $0 = task }
    }

    /// Follows the subscription service's stream of every game into the relay.
    private func startUpstream() {
        schedule.start()
        let relay = self.relay
        let subscription = SubscriptionServiceClient(subscriptionClient)
        let metrics = self.metrics
        let schedule = self.schedule
        upstream.start { markConnected in
            let request = SubscribeRequest(filter: SubscriptionFilter(allGames: true), resume: relay.cursors)
            try await subscription.subscribe(request) { stream in
                // Connected once the server has registered the stream (it sends its headers then).
                _ = try await stream.metadata
                markConnected()
                metrics.upstreamConnected.set(to: 1)
                defer { metrics.upstreamConnected.set(to: 0) }
                for try await item in stream {
                    metrics.scheduleLookup(await relay.apply(item, learningFrom: schedule))
                    metrics.upstreamItems.increment()
                }
            }
        }
    }

    /// Shutdown (§4.8): readiness false, stop accepting, `goaway` with spread-out delays and
    /// close 1001 to every browser (SSE: `retry:` + `goaway`, end of the stream), then stop the
    /// upstream and wait (within the grace period) for the connections to close.
    public func shutdown() async {
        readiness.markDraining()
        app.isDraining = true
        let listening = channel.withLock { $0 }
        try? await listening?.close()
        heapTrimTask.withLock { $0?.cancel() }
        let spread = configuration.reconnectSpreadMs
        await app.hubs.runOnEveryHub { $0.goAway(spreadMs: spread) }
        let deadline = ContinuousClock.now + min(configuration.shutdownGrace, .seconds(5))
        while ContinuousClock.now < deadline, await app.hubs.connectionCount() > 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
        await app.hubs.runOnEveryHub { $0.stop() }
        await upstream.stop()
        relay.stop()
        schedule.stop()
        for client in [subscriptionClient, scoreClient, scheduleClient] { client.close() }
        logger.info("bridge stopped")
    }

    /// The lifecycle services, in start order (stopped in reverse on SIGTERM).
    public var services: [any Service] {
        AdminServerService.first(adminServer, then: [BridgeService(server: self)])
    }
}

/// The bridge as a lifecycle service: starts it, and shuts it down on graceful shutdown.
public struct BridgeService: Service {
    public let server: BridgeServer

    /// The service of `server`.
    public init(server: BridgeServer) {
        self.server = server
    }

    /// Runs until graceful shutdown, then drains the bridge.
    public func run() async throws {
        try await server.start()
        try? await gracefulShutdown()
        await server.shutdown()
    }
}

/// Lets the relay's payload function read the relay it belongs to (set once, after init).
private final class RelayBox: Sendable {
    private let storage = Mutex<GameRelay<BridgeItem>?>(nil)

    var relay: GameRelay<BridgeItem>? { storage.withLock { $0 } }

    func set(_ relay: GameRelay<BridgeItem>) {
        storage.withLock { $0 = relay }
    }
}
