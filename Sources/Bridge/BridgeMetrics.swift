import EventRelay
import NIOCore
public import Prometheus
public import ServiceKit
import Synchronization

/// The bridge's version, in `hello.server` and the metrics.
public enum BridgeVersion {
    public static let current = CourtsideVersion.current
}

/// The bridge's Prometheus metrics (admin port, `/metrics`). Hot-path counts are accumulated
/// per event loop and added here once per tick.
public final class BridgeMetrics: Sendable {
    public let service: ServiceMetrics
    public let webSocketConnections: Gauge
    public let sseConnections: Gauge
    public let messagesIn: Counter
    public let messagesOut: Counter
    public let deliveries: Counter
    public let bytesOut: Counter
    public let collapsedSnapshots: Counter
    public let slowConsumerCloses: Counter
    public let publishToDelivery: DurationHistogram
    public let upstreamConnected: Gauge
    public let upstreamItems: Counter
    public let relayQueueDepth: Gauge
    public let httpRequests: Counter
    public let apiRateLimited: Counter
    public let httpConnections: Gauge
    public let connectionTokensAccepted: Counter
    public let connectionTokenRefreshes: Counter
    public let connectionTokenExpiries: Counter
    private let connectionTokenRefusals: [String: Counter]
    private let rejected: [ErrorCode: Counter]
    private let httpRefusals: [HTTPRefusal: Counter]
    private let webSocketPolicyCloses: [WebSocketPolicyCloseReason: Counter]
    private let scheduleLookups: [ScheduleCache.Lookup: Counter]
    private let depths = Mutex<[ObjectIdentifier: Int]>([:])

    /// Registers the bridge's metrics in the process's registry.
    public init(_ service: ServiceMetrics) {
        self.service = service
        webSocketConnections = service.gauge(
            "courtside_bridge_connections", "Open browser connections by transport.", labels: [("transport", "ws")])
        sseConnections = service.gauge(
            "courtside_bridge_connections", "Open browser connections by transport.", labels: [("transport", "sse")])
        messagesIn = service.counter("courtside_bridge_messages_in_total", "Client messages received (WebSocket text messages).")
        messagesOut = service.counter("courtside_bridge_messages_out_total", "Server messages written to browsers (every type).")
        deliveries = service.counter("courtside_bridge_deliveries_total", "Live events written to browsers.")
        bytesOut = service.counter(
            "courtside_bridge_bytes_out_total", "Bytes of server messages written to browsers (frames and SSE lines).")
        collapsedSnapshots = service.counter(
            "courtside_bridge_collapsed_snapshots_total", "Snapshots with reason collapsed sent to slow connections.")
        slowConsumerCloses = service.counter("courtside_bridge_slow_consumer_closes_total", "Connections closed with 4000 (too slow).")
        publishToDelivery = service.durationHistogram(
            "courtside_bridge_publish_to_delivery_seconds",
            "From an event's recordedAt in the score service to its write to browsers (once per event per event loop).",
            buckets: [
                .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ]
        )
        upstreamConnected = service.gauge(
            "courtside_bridge_upstream_connected", "1 while the Subscribe stream from the subscription service is open.")
        upstreamItems = service.counter("courtside_bridge_upstream_items_total", "Items received from the subscription service.")
        relayQueueDepth = service.gauge("courtside_bridge_relay_queue_depth", "Items waiting in the fullest event loop's relay queue.")
        httpRequests = service.counter("courtside_bridge_http_requests_total", "HTTP requests answered (page, JSON API, SSE, upgrades).")
        apiRateLimited = service.counter("courtside_bridge_api_rate_limited_total", "JSON API requests refused with 429 rate_limited.")
        var rejected: [ErrorCode: Counter] = [:]
        for code in ErrorCode.allCases {
            rejected[code] = service.counter(
                "courtside_bridge_rejected_messages_total", "Error messages sent to clients, by code.", labels: [("code", code.rawValue)]
            )
        }
        self.rejected = rejected
        httpConnections = service.gauge(
            "courtside_bridge_http_connections", "Open TCP connections on the HTTP port (page, API, WebSocket, SSE).")
        httpRefusals = service.counters(
            "courtside_bridge_http_refused_total", "HTTP connections and requests refused or closed by a limit, by reason.",
            label: "reason", for: HTTPRefusal.allCases)
        connectionTokensAccepted = service.counter(
            "courtside_bridge_connection_tokens_accepted_total", "Connection tokens verified and accepted.")
        connectionTokenRefreshes = service.counter(
            "courtside_bridge_connection_token_refreshes_total", "refresh messages sent to connections whose token reached its exp."
        )
        connectionTokenExpiries = service.counter(
            "courtside_bridge_connection_token_expiries_total",
            "Connections closed (4002 / SSE expired) because no new token came in the grace."
        )
        connectionTokenRefusals = Dictionary(
            uniqueKeysWithValues: ConnectionTokenRefusal.reasons.map { reason in
                let counter = service.counter(
                    "courtside_bridge_connection_token_refusals_total",
                    "Connection tokens refused, and private games asked for without a token naming them, by reason.",
                    labels: [("reason", reason)]
                )
                return (reason, counter)
            })
        webSocketPolicyCloses = service.counters(
            "courtside_bridge_websocket_policy_closes_total", "WebSockets closed with 1008 for their control frames, by reason.",
            label: "reason", for: WebSocketPolicyCloseReason.allCases)
        scheduleLookups = service.counters(
            "courtside_bridge_schedule_lookups_total",
            "GetGame calls for a game's first item, before the schedule's WatchGames told of it, by outcome.",
            label: "outcome", for: ScheduleCache.Lookup.allCases.filter(\.askedTheSchedule))
    }

    /// Counts a lookup of a new game's schedule entry (only calls are counted: not a game already known, nor one not asked again yet).
    func scheduleLookup(_ lookup: ScheduleCache.Lookup) {
        scheduleLookups[lookup]?.increment()
    }

    /// Counts an HTTP connection or request refused or closed by a limit.
    func refused(_ reason: HTTPRefusal) {
        httpRefusals[reason]?.increment()
    }

    /// Counts a refused connection token or private game.
    func connectionTokenRefused(_ refusal: ConnectionTokenRefusal) {
        connectionTokenRefusals[refusal.reason]?.increment()
    }

    /// Counts a WebSocket closed with 1008 for its control frames.
    func policyClose(_ reason: WebSocketPolicyCloseReason) {
        webSocketPolicyCloses[reason]?.increment()
    }

    func publish(_ counters: FanoutHub.Counters) {
        if counters.messagesIn > 0 { messagesIn.increment(by: Int64(counters.messagesIn)) }
        if counters.messagesOut > 0 { messagesOut.increment(by: Int64(counters.messagesOut)) }
        if counters.deliveries > 0 { deliveries.increment(by: Int64(counters.deliveries)) }
        if counters.bytesOut > 0 { bytesOut.increment(by: Int64(counters.bytesOut)) }
        if counters.collapsed > 0 { collapsedSnapshots.increment(by: Int64(counters.collapsed)) }
        if counters.slowCloses > 0 { slowConsumerCloses.increment(by: Int64(counters.slowCloses)) }
        for (code, count) in counters.rejected where count > 0 { rejected[code]?.increment(by: Int64(count)) }
    }

    func relayQueueDepth(loop: ObjectIdentifier, depth: Int) {
        let deepest = depths.withLock { depths in
            depths[loop] = depth
            return depths.values.max() ?? 0
        }
        relayQueueDepth.set(to: Double(deepest))
    }
}

/// Why the HTTP port refused or closed a connection or a request (the `reason` label).
enum HTTPRefusal: String, CaseIterable, Sendable {
    /// `maxHTTPConnections` reached: 503, closed.
    case processConnections = "process_connections"
    /// `maxHTTPConnectionsPerIP` reached for the peer's address: 429, closed.
    case addressConnections = "address_connections"
    /// A request head not complete within `requestHeadTimeout`: 408 (or closed if nothing came).
    case headTimeout = "head_timeout"
    /// A keep-alive connection idle for `keepAliveTimeout`: closed.
    case idleTimeout = "idle_timeout"
    /// A request head larger than `maxRequestHeadBytes`: 431, closed.
    case headTooLarge = "head_too_large"
    /// Not HTTP/1.1 the parser accepts: 400, closed.
    case malformed
    /// A request with a body or a method other than GET and HEAD: 400 / 405, closed.
    case unexpectedRequest = "unexpected_request"
    /// A client that does not read its answers for `slowConsumerTimeout`: closed.
    case slowReader = "slow_reader"
    /// More requests sent ahead of their answers than `PipelineLimitHandler.maximumPending`: closed.
    case pipelined
}
