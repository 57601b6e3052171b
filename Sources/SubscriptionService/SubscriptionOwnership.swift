import Auth
public import GRPC
public import ServiceKit

/// Who may act on a durable subscription: with tokens in force, only the identity that created
/// it, or one with `admin`. Checked where a subscription is looked up, before anything changes;
/// a refusal is PERMISSION_DENIED (UNAUTHENTICATED without a token), counted and logged like the
/// interceptor's. Without tokens (no `--jwks-file`) every caller may, as before.
public struct SubscriptionOwnership: Sendable {
    let enforced: Bool
    let refusals: AuthRefusalCounters?

    public init(enforced: Bool, metrics: ServiceMetrics?) {
        self.enforced = enforced
        self.refusals = metrics.map(AuthRefusalCounters.init)
    }

    /// Nobody is checked: every caller may act on every subscription.
    public static let unenforced = SubscriptionOwnership(enforced: false, metrics: nil)

    /// The subject a new subscription is recorded with ("" when anonymous).
    public var creator: String { Identity.current?.subject ?? "" }

    /// Throws unless the caller may act on a subscription `owner` created, needing `scope` too
    /// (the interceptor has checked it for Acknowledge and DeleteSubscription; Subscribe is a
    /// read, so consuming a durable subscription is checked here).
    public func check(owner: String, scope: String, context: ServerContext) throws {
        guard enforced else { return }
        guard let identity = Identity.current else { throw refuse(.missingToken, subject: nil, context: context) }
        guard identity.holds(scope) else { throw refuse(.missingScope, subject: identity.subject, context: context) }
        guard identity.subject == owner || identity.holds(Scope.admin) else {
            throw refuse(.notOwner, subject: identity.subject, context: context)
        }
    }

    private func refuse(_ failure: AuthFailure, subject: String?, context: ServerContext) -> RPCError {
        if let refusals {
            AuthInterceptor.record(failure, method: context.method, subject: subject, counters: refusals, logger: context.logger)
        }
        return failure.rpcError
    }
}
