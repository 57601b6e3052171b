import Foundation
public import Logging

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-23T13:45:01.123Z info score: message key=value`
    case text
    /// One JSON object per line: `{"ts":…,"level":…,"logger":…,"msg":…,<metadata>…}`.
    case json
}

/// Sets up swift-log for a service process (once, at start).
public enum LoggingSetup {
    public static func bootstrap(level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, level: level, format: format)
        }
    }
}

/// A log handler writing text or JSON lines to standard error.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    public let format: LogFormat

    public init(label: String, level: Logger.Level, format: LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        var merged = metadata
        if let explicitMetadata = event.metadata {
            merged.merge(explicitMetadata) { _, new in new }
        }
        if let error = event.error {
            merged["error"] = "\(error)"
        }
        let text: String
        switch format {
        case .text: text = Self.textLine(level: level, message: message, label: label, metadata: merged)
        case .json: text = Self.jsonLine(level: level, message: message, label: label, metadata: merged)
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// UTC time with milliseconds, RFC 3339.
    static func timestamp() -> String {
        let now = Date().timeIntervalSince1970
        var seconds = time_t(now.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int((now - now.rounded(.down)) * 1000)
        )
    }

    static func textLine(level: Logger.Level, message: Logger.Message, label: String, metadata: Logger.Metadata) -> String {
        var line = "\(timestamp()) \(level) \(label): \(message)"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        return line
    }

    static func jsonLine(level: Logger.Level, message: Logger.Message, label: String, metadata: Logger.Metadata) -> String {
        var fields: [(String, String)] = [
            ("ts", timestamp()),
            ("level", "\(level)"),
            ("logger", label),
            ("msg", "\(message)"),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !["ts", "level", "logger", "msg"].contains(key) {
            fields.append((key, "\(value)"))
        }
        return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
