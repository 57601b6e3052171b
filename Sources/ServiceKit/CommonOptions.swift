public import ArgumentParser
internal import Logging

/// Settings every service has. Each is a flag and an environment variable.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(help: "Address to listen on (env COURTSIDE_HOST).")
    public var host: String = Environment.string("COURTSIDE_HOST", default: "127.0.0.1")

    @Option(help: "Port of the admin HTTP server: /metrics, /healthz, /readyz (env COURTSIDE_ADMIN_PORT).")
    public var adminPort: Int = Environment.int("COURTSIDE_ADMIN_PORT", default: -1)

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
        guard shutdownGraceSeconds >= 0 else {
            throw ValidationError("--shutdown-grace-seconds must not be negative")
        }
        if adminPort != -1 { try Self.checkPort(adminPort, "--admin-port") }
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
