import CourtsideProto
import CourtsideRPC
public import GRPC
public import GRPCHealth
import GRPCServiceKit
public import Logging
internal import NIOCore
public import ServiceKit
public import ServiceLifecycle

/// A complete schedule service: storage, the ``Schedule``, the gRPC server (schedule + health),
/// the admin HTTP server and metrics, as lifecycle services ready to run.
///
/// `courtside-schedule` and the tests build one with ``build(configuration:logger:)`` and run
/// its ``services`` in a `ServiceGroup` (tests on port 0).
public final class ScheduleServer: CourtsideServer {
    public typealias Configuration = ScheduleServerConfiguration

    /// What it was built from.
    public let configuration: ScheduleServerConfiguration
    /// The schedule itself.
    public let schedule: Schedule
    /// The process's metrics registry (served at /metrics).
    public let metrics: ServiceMetrics
    /// What /readyz reports.
    public let readiness: Readiness
    /// `grpc.health.v1.Health`.
    public let health: HealthService
    /// The gRPC server.
    public let grpcServer: GRPCServer
    /// The admin HTTP server, unless disabled.
    public let adminServer: AdminServer?
    /// The lifecycle services in start order; a `ServiceGroup` stops them in reverse order:
    /// watchers end and the gRPC server drains first, the store closes after it, the admin
    /// server (reporting "draining" on /readyz) last.
    public let services: [any Service]

    /// Opens the store, loads the seed games and builds the servers (nothing listens yet).
    /// - Throws: when the store cannot be opened or a seed game is invalid.
    public static func build(configuration: ScheduleServerConfiguration, logger: Logger) async throws -> ScheduleServer {
        try await ScheduleServer(configuration: configuration, logger: logger)
    }

    private init(configuration: ScheduleServerConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        let credentials = try configuration.server.openCredentials(logger: logger)
        let metrics = ServiceMetrics(service: "schedule")
        let scheduleMetrics = ScheduleMetrics(metrics: metrics)
        logger.info("opening storage", metadata: ["storage": "\(configuration.storage)"])
        let base = try await ScheduleStores.open(configuration.storage, changeLogLength: configuration.changeLogLength, logger: logger)
        let store = MeasuredScheduleStore(base, metrics: scheduleMetrics)
        let schedule: Schedule
        do {
            schedule = try await Schedule(
                store: store,
                metrics: scheduleMetrics,
                watchQueueCapacity: configuration.watchQueueCapacity,
                changePollInterval: configuration.changePollInterval,
                limits: configuration.limits,
                logger: logger
            )
        } catch {
            await store.close()
            throw error
        }
        do {
            try await schedule.seed(configuration.seedGames)
        } catch {
            await schedule.close()
            throw error
        }
        let readiness = Readiness()
        let health = HealthService(services: [ScheduleServiceMethods.serviceName])
        var grpcConfiguration = try await configuration.server.grpcServerConfiguration(
            credentials: credentials, metrics: metrics, logger: logger)
        grpcConfiguration.maximumReceiveMessageSize = configuration.maximumReceiveMessageSize
        let grpcServer = GRPCServer(configuration: grpcConfiguration, services: [schedule, health], logger: logger)
        let adminServer = configuration.admin.server(metrics: metrics, readiness: readiness, logger: logger)
        let services = configuration.server.lifecycleServices(
            admin: adminServer, grpcServer: grpcServer, health: health, readiness: readiness, logger: logger,
            before: [ScheduleClosingService(schedule: schedule, logger: logger)],
            after: [WatcherDrainService(schedule: schedule, health: health, readiness: readiness)]
        )
        self.schedule = schedule
        self.metrics = metrics
        self.readiness = readiness
        self.health = health
        self.grpcServer = grpcServer
        self.adminServer = adminServer
        self.services = services
    }

    /// The gRPC port, once listening.
    public var grpcPort: Int? { grpcServer.localAddress?.port }

    /// The admin port, once listening.
    public var adminPort: Int? { adminServer?.localAddress?.port }
}

/// Stops the change feed and closes the store at the end of shutdown (after the gRPC server
/// stopped using them).
struct ScheduleClosingService: Service {
    let schedule: Schedule
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await schedule.close()
        logger.info("storage closed")
    }
}

/// The first step of shutdown, before the gRPC server drains: readiness false, health
/// NOT_SERVING, then every `WatchGames` stream ends with UNAVAILABLE (and new ones are refused),
/// so that watchers reconnect elsewhere instead of holding the drain open for the whole grace
/// period. `GRPCServerService` then sends GOAWAY and lets unary calls finish.
///
/// It does not start the gRPC server's shutdown itself: the server would then stop before its
/// own service was asked to, which `ServiceGroup` treats as a failure.
struct WatcherDrainService: Service {
    let schedule: Schedule
    let health: HealthService
    let readiness: Readiness

    func run() async throws {
        try? await gracefulShutdown()
        readiness.markDraining()
        health.markAllNotServing()
        schedule.closeWatchers()
    }
}
