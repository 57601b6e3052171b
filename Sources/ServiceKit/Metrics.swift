public import GRPC
public import Prometheus
import Synchronization

/// The process's Prometheus registry, rendered at `/metrics`.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Latency buckets for storage and RPC durations (seconds).
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init(service: String) {
        registry = PrometheusCollectorRegistry()
        gauge(
            "courtside_build_info",
            "Always 1; labels name the service and its version.",
            labels: [("service", service), ("version", CourtsideVersion.current)]
        ).set(to: 1)
    }

    public func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    /// One counter per value of a closed label set: `label` is each case's raw value.
    public func counters<Case: RawRepresentable & Hashable>(
        _ name: String, _ help: String, label: String, for cases: some Sequence<Case>
    ) -> [Case: Counter] where Case.RawValue == String {
        Dictionary(uniqueKeysWithValues: cases.map { ($0, counter(name, help, labels: [(label, $0.rawValue)])) })
    }

    public func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func durationHistogram(
        _ name: String,
        _ help: String,
        labels: [(String, String)] = [],
        buckets: [Duration] = ServiceMetrics.latencyBuckets
    ) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    public func valueHistogram(_ name: String, _ help: String, labels: [(String, String)] = [], buckets: [Double]) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// An observer that counts a gRPC server's connections and calls.
    public func grpcServerObserver() -> any GRPCServerObserver {
        PrometheusGRPCServerObserver(metrics: self)
    }
}

/// The version string reported in metrics and logs.
public enum CourtsideVersion {
    public static let current = "0.1.0"
}

/// Counts a gRPC server's connections, calls and enforced limits. Every label value comes from a
/// closed set: registered methods (a call to any other path counts under `unknown`), the 17
/// status codes (anything else counts as UNKNOWN), the `GRPCServerLimit` cases.
final class PrometheusGRPCServerObserver: GRPCServerObserver {
    /// The `method` label of requests for methods that are not registered.
    static let unknownMethod = "unknown"

    let connections: Gauge
    let activeCalls: Gauge
    let metrics: ServiceMetrics
    private let limitHits: [GRPCServerLimit: Counter]
    private let handshakeFailures: [TLSHandshakeFailure: Counter]
    private let cache = Mutex<[String: (calls: Counter, duration: DurationHistogram)]>([:])

    init(metrics: ServiceMetrics) {
        self.metrics = metrics
        connections = metrics.gauge("courtside_grpc_server_connections", "Open HTTP/2 connections.")
        activeCalls = metrics.gauge("courtside_grpc_server_active_calls", "gRPC calls in progress (streams).")
        var limitHits: [GRPCServerLimit: Counter] = [:]
        for limit in GRPCServerLimit.allCases {
            limitHits[limit] = metrics.counter(
                "courtside_grpc_server_limit_hits_total",
                "Calls and connections a gRPC server ended because the client broke a limit (see SECURITY.md).",
                labels: [("limit", limit.rawValue)]
            )
        }
        self.limitHits = limitHits
        var handshakeFailures: [TLSHandshakeFailure: Counter] = [:]
        for failure in TLSHandshakeFailure.allCases {
            handshakeFailures[failure] = metrics.counter(
                "courtside_grpc_server_tls_handshake_failures_total",
                "TLS handshakes on the gRPC port that failed, by reason (docs/tls.md).",
                labels: [("reason", failure.rawValue)]
            )
        }
        self.handshakeFailures = handshakeFailures
    }

    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }
    func callStarted(method: MethodDescriptor) { activeCalls.increment() }

    func callFinished(method: MethodDescriptor, code: GRPCStatusCode, duration: Duration) {
        activeCalls.decrement()
        let counters = counters(method: method.path, code: code)
        counters.duration.record(duration)
        counters.calls.increment()
    }

    func callRejected(method: MethodDescriptor?, code: GRPCStatusCode) {
        counters(method: method?.path ?? Self.unknownMethod, code: code).calls.increment()
    }

    func limitReached(_ limit: GRPCServerLimit) {
        limitHits[limit]?.increment()
    }

    func tlsHandshakeFailed(_ failure: TLSHandshakeFailure) {
        handshakeFailures[failure]?.increment()
    }

    private func counters(method: String, code: GRPCStatusCode) -> (calls: Counter, duration: DurationHistogram) {
        // A handler may throw any integer as a code; the label keeps to the 17 defined ones.
        let code = (0...16).contains(code.rawValue) ? code : .unknown
        let key = "\(method)|\(code.rawValue)"
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            let created = (
                calls: metrics.counter(
                    "courtside_grpc_server_calls_total",
                    "Finished gRPC calls by method and status code.",
                    labels: [("method", method), ("code", code.description)]
                ),
                duration: metrics.durationHistogram(
                    "courtside_grpc_server_call_duration_seconds",
                    "Duration of gRPC calls, from request headers to status.",
                    labels: [("method", method)]
                )
            )
            cache[key] = created
            return created
        }
    }
}
