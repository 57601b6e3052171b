public import ArgumentParser
internal import Logging
internal import NIOCore

/// Settings every service has. Each is a flag and an environment variable.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(help: "Address to listen on (env COURTSIDE_HOST).")
    public var host: String = Environment.string("COURTSIDE_HOST", default: "127.0.0.1")

    @Option(help: "Port of the admin HTTP server: /metrics, /healthz, /readyz (env COURTSIDE_ADMIN_PORT).")
    public var adminPort: Int = Environment.int("COURTSIDE_ADMIN_PORT", default: -1)

    @Option(help: "Address the admin port listens on, apart from --host, so that exposing the service never exposes /metrics by accident; 0.0.0.0 in containers (env COURTSIDE_ADMIN_HOST).")
    public var adminHost: String = Environment.string("COURTSIDE_ADMIN_HOST", default: "127.0.0.1")

    @Option(help: "Open admin connections per process; more get 503 (env COURTSIDE_ADMIN_MAX_CONNECTIONS).")
    public var adminMaxConnections: Int = Environment.int("COURTSIDE_ADMIN_MAX_CONNECTIONS", default: 64)

    @Option(help: "Open admin connections per client address; more get 503 (env COURTSIDE_ADMIN_MAX_CONNECTIONS_PER_ADDRESS).")
    public var adminMaxConnectionsPerAddress: Int = Environment.int("COURTSIDE_ADMIN_MAX_CONNECTIONS_PER_ADDRESS", default: 16)

    @Option(help: "Seconds an admin connection may take to send a request, from opening or from the previous response; then it is closed (env COURTSIDE_ADMIN_REQUEST_TIMEOUT_SECONDS).")
    public var adminRequestTimeoutSeconds: Double = Environment.double("COURTSIDE_ADMIN_REQUEST_TIMEOUT_SECONDS", default: 5)

    @Option(help: "trace, debug, info, notice, warning, error or critical (env COURTSIDE_LOG_LEVEL).")
    public var logLevel: String = Environment.string("COURTSIDE_LOG_LEVEL", default: "info")

    @Option(help: "text or json (one JSON object per line) (env COURTSIDE_LOG_FORMAT).")
    public var logFormat: String = Environment.string("COURTSIDE_LOG_FORMAT", default: "text")

    @Option(help: "Seconds to let calls and connections finish after SIGTERM (env COURTSIDE_SHUTDOWN_GRACE_SECONDS).")
    public var shutdownGraceSeconds: Double = Environment.double("COURTSIDE_SHUTDOWN_GRACE_SECONDS", default: 20)

    public init() {}

    public mutating func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical (got '\(logLevel)')")
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be text or json (got '\(logFormat)')")
        }
        guard shutdownGraceSeconds >= 0, shutdownGraceSeconds <= 3600 else {
            throw ValidationError("--shutdown-grace-seconds must be between 0 and 3600 (got \(shutdownGraceSeconds))")
        }
        if adminPort != -1 { try Self.checkPort(adminPort, "--admin-port") }
        guard !adminHost.isEmpty else { throw ValidationError("--admin-host must not be empty") }
        guard adminMaxConnections >= 1 else { throw ValidationError("--admin-max-connections must be at least 1 (got \(adminMaxConnections))") }
        guard (1...adminMaxConnections).contains(adminMaxConnectionsPerAddress) else {
            throw ValidationError("--admin-max-connections-per-address must be between 1 and --admin-max-connections (got \(adminMaxConnectionsPerAddress))")
        }
        try Self.checkSeconds(adminRequestTimeoutSeconds, "--admin-request-timeout-seconds", within: 0.001...3600)
    }

    /// The admin port's limits.
    public var adminLimits: AdminServerLimits {
        var limits = AdminServerLimits()
        limits.maxConnections = adminMaxConnections
        limits.maxConnectionsPerAddress = adminMaxConnectionsPerAddress
        limits.requestTimeout = Self.timeAmount(seconds: adminRequestTimeoutSeconds)
        return limits
    }

    /// Checks a duration setting given in seconds (finite, within `range`).
    public static func checkSeconds(_ seconds: Double, _ flag: String, within range: ClosedRange<Double>) throws {
        guard seconds.isFinite, range.contains(seconds) else {
            throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound) seconds (got \(seconds))")
        }
    }

    /// A validated number of seconds (see `checkSeconds`) as a `TimeAmount`.
    static func timeAmount(seconds: Double) -> TimeAmount {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The admin port, or the service's default when none was configured.
    public func adminPort(default defaultPort: Int) -> Int {
        adminPort == -1 ? defaultPort : adminPort
    }

    public var shutdownGrace: Duration { .milliseconds(Int64(shutdownGraceSeconds * 1000)) }

    public static func checkPort(_ port: Int, _ flag: String) throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("\(flag) must be between 0 and 65535 (got \(port))")
        }
    }

    public static func checkAddress(_ address: String, _ flag: String) throws {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (1...65535).contains(port), colon != address.startIndex
        else {
            throw ValidationError("\(flag) must be host:port (got '\(address)')")
        }
    }
}
