public import CourtsideProto
import CourtsideRPC
import GRPC
internal import Prometheus
public import ServiceKit

/// The schedule service's Prometheus metrics (beside the gRPC server's own, which
/// `ServiceMetrics.grpcServerObserver()` records).
///
/// | metric | labels | meaning |
/// | --- | --- | --- |
/// | `courtside_schedule_games` | `status` | games in each status |
/// | `courtside_schedule_upserted_games_total` | `result` (created, updated, unchanged) | games in accepted `UpsertGames` calls |
/// | `courtside_schedule_status_changes_total` | `from`, `to` | status changes applied |
/// | `courtside_schedule_rejected_requests_total` | `method`, `code` | calls refused (invalid, not found, refused change, storage failure) |
/// | `courtside_schedule_watchers` | | `WatchGames` streams open |
/// | `courtside_schedule_watchers_ended_total` | `reason` (slow, shutdown) | streams the server ended |
/// | `courtside_storage_seconds` | `operation` | storage latency |
public final class ScheduleMetrics: Sendable {
    /// The registry everything is recorded in.
    public let metrics: ServiceMetrics
    private let gamesByStatus: [GameStatus: Gauge]
    private let watchers: Gauge

    /// Creates the metrics in `metrics`' registry (the per-status gauges start at 0).
    public init(metrics: ServiceMetrics) {
        self.metrics = metrics
        var gauges: [GameStatus: Gauge] = [:]
        for status in GameStatus.specified {
            gauges[status] = metrics.gauge("courtside_schedule_games", "Games in each status.", labels: [("status", status.name)])
        }
        gamesByStatus = gauges
        watchers = metrics.gauge("courtside_schedule_watchers", "WatchGames streams open.")
        for result in ["created", "updated", "unchanged"] {
            _ = upsertCounter(result)
        }
        for reason in ["slow", "shutdown"] {
            _ = watcherEndedCounter(reason)
        }
    }

    /// Sets the per-status gauges from a full count (at start-up).
    public func setGameCounts(_ counts: [GameStatus: Int]) {
        for (status, gauge) in gamesByStatus {
            gauge.set(to: Double(counts[status] ?? 0))
        }
    }

    /// Records applied writes: the status gauges move, status changes are counted.
    func recorded(_ changes: [GameWrite]) {
        for change in changes {
            if let before = change.before {
                guard before.status != change.after.status else { continue }
                gamesByStatus[before.status]?.decrement()
                statusChangeCounter(from: before.status, to: change.after.status).increment()
            }
            gamesByStatus[change.after.status]?.increment()
        }
    }

    /// Counts the games of an accepted upsert.
    func recordedUpsert(created: Int, updated: Int, unchanged: Int) {
        if created > 0 { upsertCounter("created").increment(by: Int64(created)) }
        if updated > 0 { upsertCounter("updated").increment(by: Int64(updated)) }
        if unchanged > 0 { upsertCounter("unchanged").increment(by: Int64(unchanged)) }
    }

    /// Counts a refused call.
    func rejected(method: String, code: GRPCStatusCode) {
        metrics.counter(
            "courtside_schedule_rejected_requests_total",
            "Schedule calls refused, by method and status code.",
            labels: [("method", method), ("code", code.description)]
        ).increment()
    }

    /// A watcher started (+1) or ended (-1).
    func watcherStarted() { watchers.increment() }
    func watcherFinished() { watchers.decrement() }

    /// Watchers the server ended: "slow" (they fell behind) or "shutdown".
    func watcherEnded(reason: String, count: Int = 1) {
        watcherEndedCounter(reason).increment(by: Int64(count))
    }

    /// The latency histogram of one storage operation.
    func storageLatency(_ operation: String) -> DurationHistogram {
        metrics.durationHistogram(
            "courtside_storage_seconds",
            "Time taken by storage operations.",
            labels: [("operation", operation)]
        )
    }

    private func upsertCounter(_ result: String) -> Counter {
        metrics.counter(
            "courtside_schedule_upserted_games_total",
            "Games in accepted UpsertGames calls, by result.",
            labels: [("result", result)]
        )
    }

    private func statusChangeCounter(from: GameStatus, to: GameStatus) -> Counter {
        metrics.counter(
            "courtside_schedule_status_changes_total",
            "Game status changes applied.",
            labels: [("from", from.name), ("to", to.name)]
        )
    }

    private func watcherEndedCounter(_ reason: String) -> Counter {
        metrics.counter(
            "courtside_schedule_watchers_ended_total",
            "WatchGames streams the server ended, by reason.",
            labels: [("reason", reason)]
        )
    }
}
