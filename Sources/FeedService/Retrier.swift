import GRPC
import Logging
import Prometheus
import Synchronization

/// When the feed must stop retrying: set at shutdown to "now + grace period".
final class StopDeadline: Sendable {
    private let deadline = Mutex<ContinuousClock.Instant?>(nil)

    /// Stop retrying at `instant`.
    func set(_ instant: ContinuousClock.Instant) {
        deadline.withLock { $0 = min($0 ?? instant, instant) }
    }

    /// The deadline, if one was set.
    var instant: ContinuousClock.Instant? { deadline.withLock { $0 } }

    /// Whether the deadline has passed (or the task was cancelled).
    var hasPassed: Bool {
        if Task.isCancelled { return true }
        guard let instant else { return false }
        return ContinuousClock.now >= instant
    }
}

/// Calls a service until it answers: transient failures are retried with exponential backoff,
/// refusals are thrown at once (as `RPCError`), and retrying ends with `FeedStopping` when the
/// stop deadline passes.
struct Retrier: Sendable {
    let initial: Duration
    let maximum: Duration
    let stop: StopDeadline
    let metrics: FeedMetrics
    let logger: Logger
    /// Told about every failure and success (readiness follows the score service's answers).
    var onOutcome: @Sendable (_ available: Bool) -> Void = { _ in }

    /// Runs `body` until it succeeds or is refused.
    /// - Parameter what: names the call in logs ("publish 120 events").
    func run<Result>(_ what: @autoclosure () -> String, _ body: () async throws -> Result) async throws -> Result {
        var backoff = Backoff(initial: initial, maximum: maximum)
        var attempt = 0
        while true {
            if stop.hasPassed { throw FeedStopping() }
            attempt += 1
            do {
                let result = try await body()
                onOutcome(true)
                return result
            } catch {
                switch CallFailure(error) {
                case .refused(let refusal):
                    onOutcome(true)
                    throw refusal
                case .transient(let failure):
                    onOutcome(false)
                    metrics.retries.increment()
                    let wait = backoff.next()
                    let level: Logger.Level = attempt == 1 || attempt % 20 == 0 ? .warning : .debug
                    logger.log(
                        level: level, "call failed; retrying",
                        metadata: ["call": "\(what())", "attempt": "\(attempt)", "retry_in": "\(wait)", "error": "\(failure)"]
                    )
                    try await sleep(wait)
                }
            }
        }
    }

    /// Sleeps, but not past the stop deadline.
    func sleep(_ duration: Duration) async throws {
        var wait = duration
        if let deadline = stop.instant {
            wait = min(wait, max(.zero, deadline - ContinuousClock.now))
        }
        do {
            try await Task.sleep(for: wait)
        } catch {
            throw FeedStopping()
        }
    }
}
