internal import Auth
public import GRPC
public import Logging
public import ServiceKit

/// What a gRPC service builds from its shared settings, the same way in each service: its TLS,
/// its clients of the other services, and its gRPC server's configuration.
extension GRPCServiceSettings {
    /// The TLS files and the token file, opened: unusable ones stop the start before the service
    /// opens its storage.
    public func openCredentials(logger: Logger) throws -> GRPCServiceCredentials {
        GRPCServiceCredentials(
            server: try grpcTLS.map { files in try ServerTLSCredentials(files: files, logger: logger) },
            clients: try ServiceClientCredentials(tls: clientTLS, tokenFile: tokenFile, logger: logger)
        )
    }

    /// The gRPC server on `host`:`grpcPort` with the limits, the TLS, the metrics observer and
    /// the auth interceptor the settings ask for.
    /// - Throws: when the service would let anyone write from another machine, or the auth
    ///   files are unusable.
    public func grpcServerConfiguration(
        credentials: GRPCServiceCredentials, metrics: ServiceMetrics, logger: Logger
    ) async throws -> GRPCServer.Configuration {
        var configuration = GRPCServer.Configuration(host: host, port: grpcPort)
        configuration.limits = grpcLimits
        configuration.observer = metrics.grpcServerObserver()
        configuration.tls = credentials.server
        configuration.interceptor = try await auth.interceptor(host: host, metrics: metrics, logger: logger)
        return configuration
    }

}

/// A gRPC service's opened TLS and token files.
public struct GRPCServiceCredentials: Sendable {
    /// TLS of the gRPC port; nil: cleartext h2c.
    public let server: ServerTLSCredentials?
    /// What its clients of the other services present.
    public let clients: ServiceClientCredentials
}
