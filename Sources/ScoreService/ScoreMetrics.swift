public import EventRelay
public import Prometheus
public import ServiceKit

/// The score service's Prometheus metrics.
public struct ScoreMetrics: Sendable {
    public let eventsPublished: Counter
    public let duplicates: Counter
    public let refusedBatches: Counter
    public let storageErrors: Counter
    public let batchSize: ValueHistogram
    public let commitLatency: DurationHistogram
    public let readLatency: DurationHistogram
    public let gamesKnown: Gauge
    public let subscribers: Gauge
    public let deepestSubscriberQueue: Gauge
    public let slowSubscribers: Counter
    public let deliveries: Counter
    public let publishToDelivery: DurationHistogram

    public init(_ metrics: ServiceMetrics) {
        eventsPublished = metrics.counter("courtside_score_events_published_total", "Events stored (new positions assigned).")
        duplicates = metrics.counter(
            "courtside_score_duplicate_events_total", "Events published again (same source id); answered with their original position.")
        refusedBatches = metrics.counter("courtside_score_refused_batches_total", "Publish requests refused by a validation rule.")
        storageErrors = metrics.counter("courtside_score_storage_errors_total", "Group commits that failed in storage.")
        batchSize = metrics.valueHistogram(
            "courtside_score_commit_events", "Events written per group commit.", buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000]
        )
        commitLatency = metrics.durationHistogram(
            "courtside_storage_seconds", "Storage latency of the score log.", labels: [("operation", "commit")]
        )
        readLatency = metrics.durationHistogram(
            "courtside_storage_seconds", "Storage latency of the score log.", labels: [("operation", "read")]
        )
        gamesKnown = metrics.gauge("courtside_score_games", "Games with a log.")
        subscribers = metrics.gauge("courtside_score_subscribers", "Open StreamEvents subscriptions.")
        deepestSubscriberQueue = metrics.gauge(
            "courtside_score_subscriber_queue_depth_max", "Events waiting in the fullest subscriber queue.")
        slowSubscribers = metrics.counter("courtside_score_slow_subscribers_total", "Subscribers disconnected for falling too far behind.")
        deliveries = metrics.counter("courtside_score_deliveries_total", "Events written to StreamEvents subscribers.")
        publishToDelivery = metrics.durationHistogram(
            "courtside_score_publish_to_delivery_seconds", "From an event's commit to its delivery to a StreamEvents subscriber.",
            buckets: [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
            ]
        )
    }
}

/// What `StreamEvents` streams report.
extension ScoreMetrics: ResumableStreamObserver {
    public func delivered(committedAtMs: Int64) {
        deliveries.increment()
        if committedAtMs > 0 {
            publishToDelivery.record(.milliseconds(max(0, ScoreEngine.nowMs() - committedAtMs)))
        }
    }

    public func cutOff() {
        slowSubscribers.increment()
    }
}
