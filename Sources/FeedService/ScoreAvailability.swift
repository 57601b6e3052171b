import Logging
import Prometheus
import Synchronization

/// Whether the score service accepts calls, as the last answer showed: `/readyz` follows it.
/// Every call to the score service reports here (answered, or failed in a way worth retrying).
final class ScoreAvailability: Sendable {
    private let available = Atomic(false)
    private let metrics: FeedMetrics
    private let logger: Logger

    init(metrics: FeedMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
        metrics.scoreAvailable.set(to: 0)
    }

    /// Whether the last call was answered.
    var isAvailable: Bool { available.load(ordering: .acquiring) }

    /// Records an answer (true) or a transient failure (false); logs the changes.
    func record(answered: Bool) {
        guard available.exchange(answered, ordering: .acquiringAndReleasing) != answered else { return }
        metrics.scoreAvailable.set(to: answered ? 1 : 0)
        if answered {
            logger.info("score service available")
        } else {
            logger.warning("score service unavailable; buffering and retrying")
        }
    }
}
