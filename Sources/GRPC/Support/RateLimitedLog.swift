public import Logging
import Synchronization

/// Log lines about what a client can cause (a refused call, a failed TLS handshake, a refused
/// connection token), bounded so that a client cannot grow the logs without bound: at most
/// `lines` lines of a kind per `interval`; the lines past that are dropped and counted, and the
/// first line of the kind after the interval is preceded by one "suppressed K similar lines"
/// line. Only the lines are limited: the metrics beside them count every event.
///
/// Kinds are a closed set (a refusal's reason); past ``maximumKinds`` distinct kinds, further
/// ones share one limit.
public final class RateLimitedLog: Sendable {
    /// How many lines of a kind, per how long.
    public struct Limit: Sendable, Equatable {
        public var lines: Int
        public var interval: Duration

        public init(lines: Int, per interval: Duration) {
            precondition(lines > 0 && interval > .zero, "a log limit needs at least one line per a positive interval")
            self.lines = lines
            self.interval = interval
        }

        /// Ten lines of a kind a minute.
        public static let standard = Limit(lines: 10, per: .seconds(60))
    }

    public static let maximumKinds = 64
    static let otherKind = "other"

    public let limit: Limit
    private let now: @Sendable () -> ContinuousClock.Instant
    private let windows = Mutex<[String: Window]>([:])

    private struct Window {
        var start: ContinuousClock.Instant
        var logged = 0
        var suppressed = 0
    }

    public init(_ limit: Limit = .standard, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limit = limit
        self.now = now
    }

    /// Logs `message` to `logger` unless `kind` already had its lines this interval.
    public func log(
        _ kind: String, level: Logger.Level, _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata,
        to logger: Logger
    ) {
        let (admitted, suppressedBefore) = admit(kind)
        if suppressedBefore > 0 {
            logger.log(
                level: level, "suppressed \(suppressedBefore) similar lines",
                metadata: ["kind": "\(kind)", "limit": "\(limit.lines) lines per \(limit.interval)"])
        }
        if admitted { logger.log(level: level, message(), metadata: metadata()) }
    }

    /// Whether a line of `kind` may be logged now, and how many lines of it were dropped in the
    /// interval that just ended (to be reported first).
    func admit(_ kind: String) -> (admitted: Bool, suppressedBefore: Int) {
        let now = self.now()
        return windows.withLock { windows in
            let key = windows[kind] != nil || windows.count < Self.maximumKinds ? kind : Self.otherKind
            var window = windows[key] ?? Window(start: now)
            var suppressedBefore = 0
            if now - window.start >= limit.interval {
                suppressedBefore = window.suppressed
                window = Window(start: now)
            }
            let admitted = window.logged < limit.lines
            if admitted { window.logged += 1 } else { window.suppressed += 1 }
            windows[key] = window
            return (admitted, suppressedBefore)
        }
    }
}
