import GRPC
import GRPCWire
import Prometheus
public import ServiceKit

/// `courtside_grpc_auth_refusals_total{method,reason}`: a closed set (the permission table's
/// methods and `other`, by every ``AuthFailure``), registered once, so that a refusal is counted
/// without a registry lookup. Beside them, the limit on "call refused" log lines: at most
/// ``RateLimitedLog/Limit/standard`` per reason, so that a client cannot grow the logs without
/// bound (the counters count every refusal).
public final class AuthRefusalCounters: Sendable {
    private let byLabel: [String: [AuthFailure: Counter]]
    /// The refusal lines, limited per ``AuthFailure``.
    let log = RateLimitedLog()

    /// Registers every counter of the set in the service's registry.
    public init(_ metrics: ServiceMetrics) {
        let labels = Set(MethodPermissions.byMethod.keys.map(\.method)).union(["other"])
        byLabel = Dictionary(
            uniqueKeysWithValues: labels.map { label in
                let counters = AuthFailure.allCases.map { failure in
                    (
                        failure,
                        metrics.counter(
                            "courtside_grpc_auth_refusals_total", "Calls refused for missing or bad credentials or missing permission.",
                            labels: [("method", label), ("reason", failure.rawValue)]
                        )
                    )
                }
                return (label, Dictionary(uniqueKeysWithValues: counters))
            }
        )
    }

    /// Counts one refusal of a call to `method`.
    func increment(_ failure: AuthFailure, method: MethodDescriptor) {
        byLabel[MethodPermissions.label(for: method)]?[failure]?.increment()
    }
}
