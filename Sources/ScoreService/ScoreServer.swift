import CourtsideProto
public import GRPC
public import GRPCHealth
public import Logging
public import ServiceKit
public import ServiceLifecycle
public import Storage

/// Everything the score service is made of, built from its configuration: the store, the
/// engine, the gRPC and admin servers. The executable's `main` and the tests both use it.
public final class ScoreServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var grpcPort = 50051
        public var adminPort = 9101
        public var storage: StorageLocation = .sqliteMemory
        /// host:port of the schedule service (ignored when a directory is injected).
        public var scheduleAddress = "127.0.0.1:50052"
        public var engine = ScoreEngine.Configuration()
        public var shutdownGrace: Duration = .seconds(20)
        public var maximumMessageSize = 4 << 20
        /// What each gRPC client may make the server hold, and its deadlines.
        public var grpcLimits = GRPCServerLimits()
        /// The admin port's own address (loopback unless deployed otherwise) and limits.
        public var adminHost = "127.0.0.1"
        public var adminLimits = AdminServerLimits()

        public init() {}
    }

    public let configuration: Configuration
    public let engine: ScoreEngine
    public let grpcServer: GRPCServer
    public let adminServer: AdminServer
    public let health: HealthService
    public let readiness: Readiness
    public let metrics: ServiceMetrics
    private let store: any ScoreStore
    private let directory: any GameDirectory
    private let scheduleClient: GRPCClient?
    private let logger: Logger

    /// Opens storage, loads the games and prepares the servers (nothing listens yet).
    /// - Parameter directory: where games are checked; by default the schedule service at
    ///   `configuration.scheduleAddress`.
    public static func make(configuration: Configuration, directory: (any GameDirectory)? = nil, logger: Logger) async throws -> ScoreServer {
        let store: any ScoreStore
        switch configuration.storage {
        case .sqliteFile, .sqliteMemory:
            store = try SQLiteScoreStore(location: configuration.storage)
        case .postgres(let settings):
            store = try await PostgresScoreStore(settings: settings, logger: logger)
        }
        var scheduleClient: GRPCClient?
        let resolvedDirectory: any GameDirectory
        if let directory {
            resolvedDirectory = directory
        } else {
            let address = try GRPCClient.Configuration(address: configuration.scheduleAddress, of: "schedule")
            let client = GRPCClient(configuration: address, logger: logger)
            scheduleClient = client
            resolvedDirectory = ScheduleGameDirectory(client: client, logger: logger)
        }
        return try await ScoreServer(configuration: configuration, store: store, directory: resolvedDirectory, scheduleClient: scheduleClient, logger: logger)
    }

    private init(configuration: Configuration, store: any ScoreStore, directory: any GameDirectory, scheduleClient: GRPCClient?, logger: Logger) async throws {
        self.configuration = configuration
        self.store = store
        self.directory = directory
        self.scheduleClient = scheduleClient
        self.logger = logger
        metrics = ServiceMetrics(service: "score")
        let scoreMetrics = ScoreMetrics(metrics)
        engine = ScoreEngine(store: store, directory: directory, configuration: configuration.engine, metrics: scoreMetrics, logger: logger)
        try await engine.start()
        health = HealthService(services: [ScoreServiceMethods.serviceName])
        readiness = Readiness()
        var grpcConfiguration = GRPCServer.Configuration(host: configuration.host, port: configuration.grpcPort)
        grpcConfiguration.maximumReceiveMessageSize = configuration.maximumMessageSize
        grpcConfiguration.limits = configuration.grpcLimits
        grpcConfiguration.observer = metrics.grpcServerObserver()
        grpcServer = GRPCServer(
            configuration: grpcConfiguration,
            services: [ScoreHandler(engine: engine, directory: directory, metrics: scoreMetrics), health],
            logger: logger
        )
        adminServer = AdminServer(
            host: configuration.adminHost, port: configuration.adminPort, metrics: metrics, readiness: readiness, logger: logger,
            limits: configuration.adminLimits
        )
    }

    /// The lifecycle services, in start order (stopped in reverse on SIGTERM).
    public var services: [any Service] {
        let engine = self.engine
        let store = self.store
        let scheduleClient = self.scheduleClient
        let directory = self.directory
        return [
            AdminServerService(server: adminServer),
            GRPCServerService(
                server: grpcServer,
                health: health,
                readiness: readiness,
                grace: configuration.shutdownGrace,
                logger: logger,
                onDrain: { engine.endSubscriptions() },
                onStopped: {
                    await engine.stop()
                    await (directory as? ScheduleGameDirectory)?.finish()
                    scheduleClient?.close()
                    await store.close()
                }
            ),
        ]
    }

    /// Runs until SIGTERM or SIGINT, then drains.
    public func run() async throws {
        try await ServiceRunner.run(services, grace: configuration.shutdownGrace, logger: logger)
    }
}
