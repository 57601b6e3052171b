import CourtsideProto
import Foundation
import NIOCore

/// Time as the bridge uses it: monotonic nanoseconds for timers and rates, wall-clock
/// milliseconds for the protocol, and the game date (US Eastern, ``GameDate``) for "today's games".
enum Clock {
    static func nanos() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    static func wallMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Today's game date, `YYYY-MM-DD` (US Eastern, whatever the server's time zone).
    static func today() -> String { GameDate.today() }
}
