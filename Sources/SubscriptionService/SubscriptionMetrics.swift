import CourtsideDomain
public import EventRelay
import Foundation
public import Prometheus
public import ServiceKit

/// The subscription service's Prometheus metrics.
public struct SubscriptionMetrics: Sendable {
    public let subscribers: Gauge
    public let deliveries: Counter
    public let slowSubscribers: Counter
    public let publishToDelivery: DurationHistogram
    public let upstreamConnected: Gauge
    public let upstreamItems: Counter
    public let deepestQueue: Gauge
    private let scheduleLookups: [ScheduleCache.Lookup: Counter]

    public init(_ metrics: ServiceMetrics) {
        subscribers = metrics.gauge("courtside_subscription_subscribers", "Open Subscribe streams.")
        deliveries = metrics.counter("courtside_subscription_deliveries_total", "Items written to subscribers.")
        slowSubscribers = metrics.counter("courtside_subscription_slow_subscribers_total", "Subscribers cut off for falling behind.")
        publishToDelivery = metrics.durationHistogram(
            "courtside_subscription_publish_to_delivery_seconds",
            "From an event's commit in the score service to its delivery to a subscriber.",
            buckets: [
                .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
            ]
        )
        upstreamConnected = metrics.gauge(
            "courtside_subscription_upstream_connected", "1 while the StreamEvents stream from the score service is open.")
        upstreamItems = metrics.counter("courtside_subscription_upstream_items_total", "Items received from the score service.")
        deepestQueue = metrics.gauge("courtside_subscription_subscriber_queue_depth_max", "Items waiting in the fullest subscriber queue.")
        scheduleLookups = metrics.counters(
            "courtside_subscription_schedule_lookups_total",
            "GetGame calls for a game's first item, before the schedule's WatchGames told of it, by outcome.",
            label: "outcome", for: ScheduleCache.Lookup.allCases.filter(\.askedTheSchedule))
    }

    /// Counts a lookup of a new game's schedule entry (only calls are counted: not a game already known, nor one not asked again yet).
    public func scheduleLookup(_ lookup: ScheduleCache.Lookup) {
        scheduleLookups[lookup]?.increment()
    }
}

/// What `Subscribe` streams report.
extension SubscriptionMetrics: ResumableStreamObserver {
    public func delivered(committedAtMs: Int64) {
        deliveries.increment()
        if committedAtMs > 0 {
            let now = UnixTime.nowMs()
            publishToDelivery.record(.milliseconds(max(0, now - committedAtMs)))
        }
    }

    public func cutOff() {
        slowSubscribers.increment()
    }
}
