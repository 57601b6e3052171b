import CourtsideDomain
import Foundation
import NIOCore

/// Time as the bridge uses it: monotonic nanoseconds for timers and rates, wall-clock
/// milliseconds for the protocol.
enum Clock {
    static func nanos() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    static func wallMs() -> Int64 { UnixTime.nowMs() }
}
