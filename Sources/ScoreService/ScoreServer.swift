import CourtsideProto
import CourtsideRPC
public import GRPC
public import GRPCHealth
import GRPCServiceKit
public import Logging
public import ServiceKit
public import ServiceLifecycle
import Storage

/// Everything the score service is made of, built from its configuration: the store, the
/// engine, the gRPC and admin servers. The executable's `main` and the tests both use it.
public final class ScoreServer: CourtsideServer {
    public let configuration: Configuration
    public let engine: ScoreEngine
    public let grpcServer: GRPCServer
    /// The admin HTTP server, unless disabled.
    public let adminServer: AdminServer?
    public let health: HealthService
    public let readiness: Readiness
    public let metrics: ServiceMetrics
    private let store: any ScoreStore
    private let directory: any GameDirectory
    private let scheduleClient: GRPCClient?
    private let logger: Logger

    /// Opens storage, loads the games and prepares the servers (nothing listens yet).
    public static func build(configuration: Configuration, logger: Logger) async throws -> ScoreServer {
        try await build(configuration: configuration, directory: nil, logger: logger)
    }

    /// As `build(configuration:logger:)`, with games checked in `directory` instead of the
    /// schedule service at `configuration.scheduleAddress` (when it is not nil).
    public static func build(configuration: Configuration, directory: (any GameDirectory)?, logger: Logger) async throws -> ScoreServer {
        logger.info("starting", metadata: ["storage": "\(configuration.storage)", "schedule": "\(configuration.scheduleAddress)"])
        let credentials = try configuration.server.openCredentials(logger: logger)
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
            let client = GRPCClient(
                configuration: try credentials.clients.configuration(for: configuration.scheduleAddress, of: "schedule"), logger: logger)
            scheduleClient = client
            resolvedDirectory = ScheduleGameDirectory(client: client, logger: logger)
        }
        return try await ScoreServer(
            configuration: configuration, store: store, directory: resolvedDirectory, scheduleClient: scheduleClient,
            credentials: credentials, logger: logger
        )
    }

    private init(
        configuration: Configuration, store: any ScoreStore, directory: any GameDirectory, scheduleClient: GRPCClient?,
        credentials: GRPCServiceCredentials, logger: Logger
    ) async throws {
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
        var grpcConfiguration = try await configuration.server.grpcServerConfiguration(
            credentials: credentials, metrics: metrics, logger: logger)
        grpcConfiguration.maximumReceiveMessageSize = configuration.maximumMessageSize
        grpcServer = GRPCServer(
            configuration: grpcConfiguration,
            services: [ScoreHandler(engine: engine, directory: directory, metrics: scoreMetrics), health],
            logger: logger
        )
        adminServer = configuration.admin.server(metrics: metrics, readiness: readiness, logger: logger)
    }

    /// The lifecycle services, in start order (stopped in reverse on SIGTERM).
    public var services: [any Service] {
        let engine = self.engine
        let store = self.store
        let scheduleClient = self.scheduleClient
        let directory = self.directory
        return configuration.server.lifecycleServices(
            admin: adminServer, grpcServer: grpcServer, health: health, readiness: readiness, logger: logger,
            onDrain: { engine.endSubscriptions() },
            onStopped: {
                await engine.stop()
                await (directory as? ScheduleGameDirectory)?.finish()
                scheduleClient?.close()
                await store.close()
            }
        )
    }
}
