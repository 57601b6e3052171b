public import GRPC
internal import HTTP2Transport
internal import NIOCore

/// The gRPC port and the budgets and deadlines of a gRPC server: what one client may make the
/// service hold, and how long a connection may take to prove itself. The score, schedule and
/// subscription services share them (docs/grpc-server-limits.md); the defaults are
/// `GRPCServerLimits`'s.
public enum GRPCServerSettings {
    /// Each service has its own default gRPC port.
    public static func port(default defaultPort: Int) -> Setting<Int> {
        .port("grpc-port", default: defaultPort, help: "gRPC port (cleartext h2c, or TLS with --tls-cert-file); 0 picks a free one.")
    }

    private static let defaults = GRPCServerLimits()

    public static let maxConcurrentStreams = Setting.integer(
        "grpc-max-concurrent-streams", default: Int(defaults.http2.maxConcurrentStreams), in: 1...100_000,
        help: "Streams a client may have open on one connection; more are refused with REFUSED_STREAM."
    )
    public static let maxHeaderListBytes = Setting.integer(
        "grpc-max-header-list-bytes", default: Int(defaults.http2.maxHeaderListSize), in: 1024...(1 << 20),
        help: "Largest request header list in bytes (name + value + 32 per field); more: RESOURCE_EXHAUSTED."
    )
    public static let maxStreamBufferBytes = Setting.integer(
        "grpc-max-stream-buffer-bytes", default: defaults.maxStreamRequestBytes, in: (64 << 10)...(1 << 30),
        help: "Request bytes one stream may hold before its handler reads them (never below the largest message); more: RESOURCE_EXHAUSTED."
    )
    public static let maxConnectionBufferBytes = Setting.integer(
        "grpc-max-connection-buffer-bytes", default: defaults.maxConnectionRequestBytes, in: (64 << 10)...(4 << 30),
        help:
            "Request bytes all streams of one connection may hold (at least --grpc-max-stream-buffer-bytes); the stream that goes over ends with RESOURCE_EXHAUSTED."
    )
    public static let maxWriteQueueBytes = Setting.integer(
        "grpc-max-write-queue-bytes", default: defaults.http2.maxQueuedOutboundBytes, in: (1 << 20)...(4 << 30),
        help: "Response bytes one connection may have queued for a client that does not read; more: GOAWAY ENHANCE_YOUR_CALM."
    )
    public static let maxQueuedControlFrames = Setting.integer(
        "grpc-max-queued-control-frames", default: defaults.http2.maxQueuedControlFrames, in: 1...100_000,
        help: "PING/SETTINGS acknowledgements queued for a client that does not read; more: GOAWAY ENHANCE_YOUR_CALM."
    )
    public static let maxConnections = Setting.integer(
        "grpc-max-connections", default: defaults.maxConnections, in: 1...1_000_000,
        help: "Open gRPC connections per process; more are refused with GOAWAY ENHANCE_YOUR_CALM."
    )
    public static let maxConnectionsPerAddress = Setting.integer(
        "grpc-max-connections-per-address", default: defaults.maxConnectionsPerAddress, in: 1...1_000_000,
        help: "Open gRPC connections per client address (at most --grpc-max-connections); more are refused with GOAWAY ENHANCE_YOUR_CALM."
    )
    public static let prefaceTimeout = Setting.seconds(
        "grpc-preface-timeout-seconds", default: Duration(defaults.http2.prefaceTimeout ?? .zero), in: 0.001...3600,
        help: "Seconds a new connection has to send the HTTP/2 preface and SETTINGS; then it is closed."
    )
    public static let idleTimeout = Setting.seconds(
        "grpc-idle-timeout-seconds", default: Duration(defaults.http2.idleTimeout ?? .zero), in: 0...86_400,
        help: "Seconds a connection may stay without streams before GOAWAY closes it; 0: never."
    )
    public static let keepalive = Setting.seconds(
        "grpc-keepalive-seconds", default: Duration(defaults.keepalive?.interval ?? .zero), in: 0...86_400,
        help: "Seconds between the server's keepalive PINGs on each connection; 0: none."
    )
    public static let keepaliveTimeout = Setting.seconds(
        "grpc-keepalive-timeout-seconds", default: Duration(defaults.keepalive?.timeout ?? .seconds(20)), in: 0.001...3600,
        help: "Seconds a client has to answer a keepalive PING; then the connection is closed."
    )

    public static let tlsCertificateFile = Setting.text(
        "tls-cert-file", default: "",
        help: "PEM certificate chain for the service's port (with --tls-key-file): TLS 1.2+ instead of cleartext. Re-read when it changes."
    )
    public static let tlsKeyFile = Setting.text(
        "tls-key-file", default: "", help: "PEM private key of --tls-cert-file. Re-read when it changes."
    )
    public static let tlsClientCAFile = Setting.text(
        "tls-client-ca-file", default: "",
        help: "PEM CA bundle: when set, gRPC clients must present a certificate it verifies (mTLS). Needs --tls-cert-file."
    )
    public static let tlsReloadInterval = Setting.seconds(
        "tls-reload-seconds", default: .seconds(5), in: 0.05...3600,
        help:
            "Seconds between checks of the TLS files (the port's and the --client-tls-* ones); changed files apply to new connections, a bad one is logged and the old kept."
    )

    /// The TLS files of the gRPC port, or nil for cleartext h2c when no certificate is given.
    /// `clientCertificates: false` (the bridge's browsers): no `--tls-client-ca-file`.
    public static func tls(from reader: SettingsReader, clientCertificates: Bool = true) throws(SettingsError) -> ServerTLSFiles? {
        let certificate = try reader.read(tlsCertificateFile)
        let key = try reader.read(tlsKeyFile)
        let clientCA = clientCertificates ? try reader.read(tlsClientCAFile) : ""
        let interval = try reader.read(tlsReloadInterval)
        switch (certificate.isEmpty, key.isEmpty) {
        case (true, true):
            guard clientCA.isEmpty else {
                throw reader.refuse(tlsClientCAFile, "needs --tls-cert-file and --tls-key-file (got '\(clientCA)')")
            }
            return nil
        case (false, true):
            throw reader.refuse(tlsKeyFile, "must be set with --tls-cert-file (got none)")
        case (true, false):
            throw reader.refuse(tlsCertificateFile, "must be set with --tls-key-file (got none)")
        case (false, false):
            return ServerTLSFiles(
                certificateFile: certificate, keyFile: key, clientCAFile: clientCA.isEmpty ? nil : clientCA, reloadInterval: interval)
        }
    }

    /// The limits as a server takes them.
    public static func limits(from reader: SettingsReader) throws(SettingsError) -> GRPCServerLimits {
        var limits = GRPCServerLimits()
        limits.http2.maxConcurrentStreams = UInt32(try reader.read(maxConcurrentStreams))
        limits.http2.maxHeaderListSize = UInt32(try reader.read(maxHeaderListBytes))
        limits.maxStreamRequestBytes = try reader.read(maxStreamBufferBytes)
        limits.maxConnectionRequestBytes = try reader.read(maxConnectionBufferBytes)
        guard limits.maxConnectionRequestBytes >= limits.maxStreamRequestBytes else {
            throw reader.refuse(
                maxConnectionBufferBytes,
                "must be between \(limits.maxStreamRequestBytes) (--grpc-max-stream-buffer-bytes) and \(4 << 30) (got \(limits.maxConnectionRequestBytes))"
            )
        }
        limits.http2.maxQueuedOutboundBytes = try reader.read(maxWriteQueueBytes)
        limits.http2.maxQueuedControlFrames = try reader.read(maxQueuedControlFrames)
        limits.maxConnections = try reader.read(maxConnections)
        limits.maxConnectionsPerAddress = try reader.read(maxConnectionsPerAddress)
        guard limits.maxConnectionsPerAddress <= limits.maxConnections else {
            throw reader.refuse(
                maxConnectionsPerAddress,
                "must be between 1 and \(limits.maxConnections) (--grpc-max-connections) (got \(limits.maxConnectionsPerAddress))"
            )
        }
        limits.http2.prefaceTimeout = TimeAmount(try reader.read(prefaceTimeout))
        let idle = try reader.read(idleTimeout)
        limits.http2.idleTimeout = idle == .zero ? nil : TimeAmount(idle)
        let interval = try reader.read(keepalive)
        let timeout = try reader.read(keepaliveTimeout)
        limits.keepalive = interval == .zero ? nil : HTTP2Connection.Keepalive(interval: TimeAmount(interval), timeout: TimeAmount(timeout))
        return limits
    }
}
