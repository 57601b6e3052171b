import Foundation
import NIOCore

/// Time as the bridge uses it: monotonic nanoseconds for timers and rates, wall-clock
/// milliseconds for the protocol, and the server's local date for "today's games".
enum Clock {
    static func nanos() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    static func wallMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Today in the server's local time zone, `YYYY-MM-DD`.
    static func today() -> String {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        let year = parts.year ?? 1970
        let month = parts.month ?? 1
        let day = parts.day ?? 1
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
