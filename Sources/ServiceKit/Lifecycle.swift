import Foundation
public import GRPC
public import GRPCHealth
public import Logging
internal import NIOCore
public import ServiceLifecycle
internal import UnixSignals

/// Runs a gRPC server as a lifecycle service. On graceful shutdown (SIGTERM): readiness turns
/// false, every health status turns NOT_SERVING, then the server sends GOAWAY, lets calls in
/// flight finish and closes what is left after the grace period.
public struct GRPCServerService: Service {
    public let server: GRPCServer
    public let health: HealthService
    public let readiness: Readiness
    public let grace: Duration
    public let logger: Logger
    /// Called once the server listens (with its port).
    public let onStarted: (@Sendable (Int) -> Void)?
    /// Called when draining begins, after GOAWAY: end long-lived streams here so that they do
    /// not hold the drain until the grace period expires.
    public let onDrain: (@Sendable () -> Void)?
    /// Called after the server stopped: release what the handlers used.
    public let onStopped: (@Sendable () async -> Void)?

    public init(
        server: GRPCServer,
        health: HealthService,
        readiness: Readiness,
        grace: Duration,
        logger: Logger,
        onStarted: (@Sendable (Int) -> Void)? = nil,
        onDrain: (@Sendable () -> Void)? = nil,
        onStopped: (@Sendable () async -> Void)? = nil
    ) {
        self.server = server
        self.health = health
        self.readiness = readiness
        self.grace = grace
        self.logger = logger
        self.onStarted = onStarted
        self.onDrain = onDrain
        self.onStopped = onStopped
    }

    public func run() async throws {
        try await server.start()
        readiness.markStarted()
        onStarted?(server.localAddress?.port ?? server.configuration.port)
        await withGracefulShutdownHandler {
            await server.waitUntilStopped()
        } onGracefulShutdown: {
            logger.info("draining: health NOT_SERVING, GOAWAY to every connection", metadata: ["grace": "\(grace)"])
            readiness.markDraining()
            health.markAllNotServing()
            server.beginGracefulShutdown(grace: grace)
            onDrain?()
        }
        health.finishWatchers()
        await onStopped?()
        logger.info("gRPC server stopped")
    }
}

/// Runs the admin HTTP server until the very end of shutdown (it is listed first, so it stops
/// last), so that `/readyz` reports draining while the other services finish.
public struct AdminServerService: Service {
    public let server: AdminServer

    public init(server: AdminServer) {
        self.server = server
    }

    public func run() async throws {
        try await server.start()
        try? await gracefulShutdown()
        await server.stop()
    }
}

/// Starts services in order and stops them in reverse order on SIGTERM or SIGINT.
public enum ServiceRunner {
    public static func run(_ services: [any Service], grace: Duration, logger: Logger) async throws {
        let watchdog = ShutdownWatchdog(grace: grace, logger: logger)
        let signalSources = watchdog.armOnSignals([SIGTERM, SIGINT])
        defer {
            for source in signalSources { source.cancel() }
        }
        try await run(group(services, grace: grace, logger: logger, signals: [.sigterm, .sigint], watchdog: watchdog), watchdog: watchdog)
    }

    /// Runs `group`; once it returns, `watchdog` stands down.
    static func run(_ group: ServiceGroup, watchdog: ShutdownWatchdog) async throws {
        defer { watchdog.finish() }
        try await group.run()
    }

    /// The group `run` runs: every service reports to `watchdog` while it runs, and the
    /// watchdog is armed when graceful shutdown starts (by `signals` or
    /// `ServiceGroup.triggerGracefulShutdown`).
    static func group(
        _ services: [any Service], grace: Duration, logger: Logger, signals: [UnixSignal], watchdog: ShutdownWatchdog
    ) -> ServiceGroup {
        // Each under its own name in ServiceGroup's logs; the arming service listed last, so
        // that it is the first to hear of the graceful shutdown.
        let watched = services.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: WatchedService(service: $0, watchdog: watchdog), serviceName: "\($0)")
        }
        var configuration = ServiceGroupConfiguration(
            services: watched + [ServiceGroupConfiguration.ServiceConfiguration(service: WatchdogArming(watchdog: watchdog))],
            gracefulShutdownSignals: signals,
            logger: logger
        )
        // The services themselves finish within the grace period; past it, ServiceGroup
        // cancels them, and past grace + ShutdownWatchdog.margin the watchdog ends the process.
        configuration.maximumGracefulShutdownDuration = grace + .seconds(5)
        return ServiceGroup(configuration: configuration)
    }
}

/// A service that tells the watchdog while it runs, so that an overrun can name it.
private struct WatchedService: Service {
    let service: any Service
    let watchdog: ShutdownWatchdog

    func run() async throws {
        let token = watchdog.started(String(describing: type(of: service)))
        defer { watchdog.stopped(token) }
        try await service.run()
    }
}

/// Arms the watchdog when the group starts its graceful shutdown (or is cancelled).
private struct WatchdogArming: Service {
    let watchdog: ShutdownWatchdog

    func run() async throws {
        try? await gracefulShutdown()
        watchdog.arm()
    }
}
