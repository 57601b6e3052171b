import Auth
import CourtsideProto
import CourtsideRPC
public import EventRelay
public import GRPC
public import GRPCHealth
import GRPCServiceKit
public import Logging
import Prometheus
public import ServiceKit
public import ServiceLifecycle
import Storage

/// The subscription service assembled from its configuration: one upstream `StreamEvents` (all
/// games) from the score service relayed to every subscriber, the schedule for team filters, and
/// the store of durable subscriptions.
public final class SubscriptionServer: CourtsideServer {
    public let configuration: Configuration
    public let relay: GameRelay<Void>
    public let grpcServer: GRPCServer
    /// The admin HTTP server, unless disabled.
    public let adminServer: AdminServer?
    public let health: HealthService
    public let readiness: Readiness
    public let metrics: ServiceMetrics
    public let upstream: UpstreamFollower
    public let schedule: ScheduleCache
    private let store: any SubscriptionStore
    private let scoreClient: GRPCClient
    private let scheduleClient: GRPCClient
    private let subscriptionMetrics: SubscriptionMetrics
    private let logger: Logger

    /// Opens the store and prepares the clients and servers (nothing listens or connects yet).
    public static func build(configuration: Configuration, logger: Logger) async throws -> SubscriptionServer {
        logger.info(
            "starting",
            metadata: [
                "storage": "\(configuration.storage)", "score": "\(configuration.scoreAddress)",
                "schedule": "\(configuration.scheduleAddress)",
            ]
        )
        return try await SubscriptionServer(configuration: configuration, logger: logger)
    }

    private init(configuration: Configuration, logger: Logger) async throws {
        let credentials = try configuration.server.openCredentials(logger: logger)
        let score = try credentials.clients.configuration(for: configuration.scoreAddress, of: "score")
        let scheduleAddress = try credentials.clients.configuration(for: configuration.scheduleAddress, of: "schedule")
        self.configuration = configuration
        self.logger = logger
        switch configuration.storage {
        case .postgres(let settings):
            store = try await PostgresSubscriptionStore(settings: settings, logger: logger)
        default:
            store = try SQLiteSubscriptionStore(location: configuration.storage)
        }
        scoreClient = GRPCClient(configuration: score, logger: logger)
        scheduleClient = GRPCClient(configuration: scheduleAddress, logger: logger)
        let schedule = ScheduleCache(
            client: scheduleClient,
            lookupPolicy: ScheduleCache.LookupPolicy(
                timeout: configuration.scheduleLookupTimeout, retryDelay: configuration.scheduleLookupRetry),
            logger: logger)
        self.schedule = schedule
        relay = GameRelay<Void>(
            recentCapacity: configuration.recentEventsPerGame,
            subscriberCapacity: configuration.subscriberQueueCapacity,
            teams: { gameId in schedule.game(gameId).map { (home: $0.homeTeamId, away: $0.awayTeamId) } },
            league: { gameId in schedule.league(of: gameId) },
            makePayload: { _ in () }
        )
        metrics = ServiceMetrics(service: "subscription")
        subscriptionMetrics = SubscriptionMetrics(metrics)
        upstream = UpstreamFollower(name: "score \(configuration.scoreAddress)", logger: logger)
        health = HealthService(services: [SubscriptionServiceMethods.serviceName])
        readiness = Readiness()
        let upstream = self.upstream
        readiness.addCheck("score stream") { upstream.isConnected }
        grpcServer = GRPCServer(
            configuration: try await configuration.server.grpcServerConfiguration(
                credentials: credentials, metrics: metrics, logger: logger),
            services: [
                SubscriptionHandler(
                    relay: relay, history: ScoreHistorySource(client: scoreClient), schedule: schedule, store: store,
                    metrics: subscriptionMetrics,
                    maximumSubscriptions: configuration.maximumSubscriptions,
                    ownership: SubscriptionOwnership(enforced: configuration.auth.identifiesCallers, metrics: metrics)
                ),
                health,
            ],
            logger: logger
        )
        adminServer = configuration.admin.server(metrics: metrics, readiness: readiness, logger: logger)
    }

    /// Opens the upstream stream and starts following the schedule.
    public func startUpstream() {
        schedule.start()
        let relay = self.relay
        let score = ScoreServiceClient(scoreClient)
        let metrics = subscriptionMetrics
        let schedule = self.schedule
        upstream.start { markConnected in
            try await score.streamEvents(StreamEventsRequest(games: relay.cursors, allGames: true)) { stream in
                // Connected once the server has registered the stream (it sends its headers then).
                _ = try await stream.metadata
                markConnected()
                metrics.upstreamConnected.set(to: 1)
                defer { metrics.upstreamConnected.set(to: 0) }
                for try await item in stream {
                    metrics.scheduleLookup(await relay.apply(item, learningFrom: schedule))
                    metrics.upstreamItems.increment()
                    metrics.deepestQueue.set(to: Double(relay.deepestQueue))
                }
            }
        }
    }

    /// The lifecycle services, in start order.
    public var services: [any Service] {
        let relay = self.relay
        let upstream = self.upstream
        let schedule = self.schedule
        let store = self.store
        let clients = [scoreClient, scheduleClient]
        return configuration.server.lifecycleServices(
            admin: adminServer, grpcServer: grpcServer, health: health, readiness: readiness, logger: logger,
            onStarted: { [self] _ in startUpstream() },
            onDrain: { relay.stop() },
            onStopped: {
                await upstream.stop()
                schedule.stop()
                for client in clients { client.close() }
                await store.close()
            }
        )
    }
}
