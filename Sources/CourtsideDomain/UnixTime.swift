public import Foundation

/// Instants as every message carries them: whole milliseconds since the Unix epoch, UTC.
public enum UnixTime {
    /// Now, in milliseconds since the epoch (rounded down).
    public static func nowMs() -> Int64 {
        milliseconds(Date())
    }

    /// `date` in milliseconds since the epoch, rounded down; a date beyond what 64 bits of
    /// milliseconds can hold is clamped to the nearest end.
    public static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value.isFinite else { return value < 0 ? .min : .max }
        if value >= 9.2e18 { return .max }
        if value <= -9.2e18 { return .min }
        return Int64(value)
    }

    /// The instant `milliseconds` after the epoch.
    public static func date(ms milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
