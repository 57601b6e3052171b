public import GRPC
public import GRPCHealth
public import Logging
public import ServiceKit
public import ServiceLifecycle

extension GRPCServiceSettings {
    /// A gRPC service's lifecycle services, in start order (stopped in reverse on SIGTERM): the
    /// admin server (unless disabled), `before`, the gRPC server, drained within
    /// `shutdownGrace` (``GRPCServerService``, which calls `onStarted`, `onDrain` and
    /// `onStopped`), then `after`.
    public func lifecycleServices(
        admin: AdminServer?,
        grpcServer: GRPCServer,
        health: HealthService,
        readiness: Readiness,
        logger: Logger,
        before: [any Service] = [],
        after: [any Service] = [],
        onStarted: (@Sendable (Int) -> Void)? = nil,
        onDrain: (@Sendable () -> Void)? = nil,
        onStopped: (@Sendable () async -> Void)? = nil
    ) -> [any Service] {
        let server = GRPCServerService(
            server: grpcServer, health: health, readiness: readiness, grace: shutdownGrace, logger: logger,
            onStarted: onStarted, onDrain: onDrain, onStopped: onStopped
        )
        return AdminServerService.first(admin, then: before + [server] + after)
    }
}
