public import Logging
internal import NIOCore

/// The admin port's settings, which all five services share, declared and read once: where
/// `/metrics`, `/healthz` and `/readyz` listen and what one client may make the admin server
/// hold. Each service's configuration embeds one as `admin`; only the default port differs.
/// The defaults of the limits are `AdminServerLimits`'s.
public struct AdminSettings: Sendable {
    /// Admin HTTP port (0: any free port; nil: no admin server, which only tests ask for).
    public var port: Int?
    /// The admin port's own address (loopback unless deployed otherwise).
    public var host: String
    public var limits: AdminServerLimits

    /// Reads `--admin-port` (default `defaultPort`), `--admin-host` and the admin limits, in
    /// that order (the order `--help` lists them).
    public init(reader: SettingsReader, defaultPort: Int) throws(SettingsError) {
        port = try reader.read(Self.port(default: defaultPort))
        host = try reader.read(Self.host)
        limits = try Self.limits(from: reader)
    }

    /// The admin server these settings describe; nil when `port` is nil.
    public func server(metrics: ServiceMetrics, readiness: Readiness, logger: Logger) -> AdminServer? {
        port.map { port in AdminServer(host: host, port: port, metrics: metrics, readiness: readiness, logger: logger, limits: limits) }
    }

    /// Each service has its own default admin port.
    public static func port(default defaultPort: Int) -> Setting<Int> {
        .port("admin-port", default: defaultPort, help: "Port of the admin HTTP server: /metrics, /healthz, /readyz.")
    }

    public static let host = Setting<String>(
        "admin-host", default: "127.0.0.1", defaultText: "127.0.0.1",
        help:
            "Address the admin port listens on, apart from --host, so that exposing the service never exposes /metrics by accident; 0.0.0.0 in containers.",
        placeholder: "address"
    ) { text throws(SettingProblem) in
        guard !text.isEmpty else { throw .outOfRange("must not be empty") }
        return text
    }

    public static let maxConnections = Setting.integer(
        "admin-max-connections", default: AdminServerLimits().maxConnections, in: 1...Int.max,
        help: "Open admin connections per process; more get 503."
    )

    public static let maxConnectionsPerAddress = Setting.integer(
        "admin-max-connections-per-address", default: AdminServerLimits().maxConnectionsPerAddress, in: 1...Int.max,
        help: "Open admin connections per client address (at most --admin-max-connections); more get 503."
    )

    public static let requestTimeout = Setting.seconds(
        "admin-request-timeout-seconds", default: Duration(AdminServerLimits().requestTimeout), in: 0.001...3600,
        help: "Seconds an admin connection may take to send a request, from opening or from the previous response; then it is closed."
    )

    /// The admin port's limits.
    public static func limits(from reader: SettingsReader) throws(SettingsError) -> AdminServerLimits {
        var limits = AdminServerLimits()
        limits.maxConnections = try reader.read(maxConnections)
        limits.maxConnectionsPerAddress = try reader.read(maxConnectionsPerAddress)
        guard limits.maxConnectionsPerAddress <= limits.maxConnections else {
            throw reader.refuse(
                maxConnectionsPerAddress, "must be between 1 and --admin-max-connections (got \(limits.maxConnectionsPerAddress))")
        }
        limits.requestTimeout = TimeAmount(try reader.read(requestTimeout))
        return limits
    }
}
