public import Logging

/// The settings every service has, declared once.
public enum CommonSettings {
    /// The address a service's own port listens on (the feed, with only an admin port, has none).
    public static let host = Setting.text("host", default: "127.0.0.1", help: "Address to listen on (0.0.0.0 in containers).")

    public static let logLevel = Setting<Logger.Level>.choice("log-level", default: .info, help: "Least severe level logged.")

    public static let logFormat = Setting<LogFormat>.choice(
        "log-format", default: .text, help: "How log lines are written (json: one JSON object per line).")

    public static let shutdownGrace = Setting.seconds(
        "shutdown-grace-seconds", default: .seconds(20), in: 0...3600, help: "Seconds to let calls and connections finish after SIGTERM."
    )
}

/// How a service process logs (`--log-level`, `--log-format`).
public struct LogSettings: Sendable {
    public var level: Logger.Level
    public var format: LogFormat

    public init(reader: SettingsReader) throws(SettingsError) {
        level = try reader.read(CommonSettings.logLevel)
        format = try reader.read(CommonSettings.logFormat)
    }
}
