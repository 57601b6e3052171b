public import GRPC
public import GRPCWire
import Foundation
import Prometheus
public import Logging
public import ServiceKit

/// The one place a gRPC server checks credentials: before a method's handler runs, it reads
/// the `authorization: Bearer <token>` metadata, verifies the token and checks the method's
/// permission. A refusal ends the call with UNAUTHENTICATED or PERMISSION_DENIED before the
/// handler sees the request, is counted (`courtside_grpc_auth_refusals_total{method,reason}`)
/// and logged (subject when known, method, reason; never the token). An accepted write is
/// logged as an audit line with the games its handler noted (``AuditNote``) and its outcome. The handler runs with ``Identity/current`` set.
public struct AuthInterceptor: CallInterceptor {
    let verifier: TokenVerifier
    let permissions: MethodPermissions
    let metrics: ServiceMetrics

    public init(verifier: TokenVerifier, permissions: MethodPermissions, metrics: ServiceMetrics) {
        self.verifier = verifier
        self.permissions = permissions
        self.metrics = metrics
    }

    public func intercepts(_ method: MethodDescriptor) -> Bool {
        switch permissions.permission(for: method) {
        case .open: false
        case .read(let identifying): identifying || permissions.requireReadToken
        case .scope: true
        }
    }

    public func intercept(_ context: ServerContext, handler: () async throws -> Void) async throws {
        let permission = permissions.permission(for: context.method)
        var identity: Identity?
        if let token = Self.bearerToken(in: context.requestMetadata) {
            do { identity = try await verifier.identity(forToken: token) } catch { throw refuse(error, context: context, subject: nil) }
        }
        switch permission {
        case .open:
            break
        case .read:
            if permissions.requireReadToken { try require(Scope.read, of: identity, context: context) }
        case .scope(let scope):
            try require(scope, of: identity, context: context)
        }
        guard case .scope = permission, let identity else {
            try await Identity.$current.withValue(identity) { try await handler() }
            return
        }
        let note = AuditNote()
        do {
            try await Identity.$current.withValue(identity) { try await AuditNote.$current.withValue(note) { try await handler() } }
            audit(context, identity: identity, note: note, outcome: "ok")
        } catch {
            audit(context, identity: identity, note: note, outcome: (error as? RPCError).map { "\($0.code)" } ?? "error")
            throw error
        }
    }

    private func require(_ scope: String, of identity: Identity?, context: ServerContext) throws {
        guard let identity else { throw refuse(.missingToken, context: context, subject: nil) }
        guard identity.holds(scope) else { throw refuse(.missingScope, context: context, subject: identity.subject) }
    }

    private func refuse(_ failure: AuthFailure, context: ServerContext, subject: String?) -> RPCError {
        Self.record(failure, method: context.method, subject: subject, metrics: metrics, logger: context.logger)
        return failure.rpcError
    }

    /// Counts and logs a refusal (also used by handlers refusing another owner's subscription).
    public static func record(_ failure: AuthFailure, method: MethodDescriptor, subject: String?, metrics: ServiceMetrics, logger: Logger) {
        metrics.counter(
            "courtside_grpc_auth_refusals_total", "Calls refused for missing or bad credentials or missing permission.",
            labels: [("method", MethodPermissions.label(for: method)), ("reason", failure.rawValue)]
        ).increment()
        logger.notice(
            "call refused",
            metadata: ["subject": "\(subject ?? "anonymous")", "method": "\(method.method)", "reason": "\(failure.rawValue)"]
        )
    }

    private func audit(_ context: ServerContext, identity: Identity, note: AuditNote, outcome: String) {
        var logger = context.logger
        logger[metadataKey: "audit"] = "true"
        logger.info(
            "write",
            metadata: [
                "subject": "\(identity.subject)", "method": "\(context.method.method)", "games": "\(note.gamesText)", "outcome": "\(outcome)",
            ]
        )
    }

    /// The token of `authorization: Bearer <token>`, if the metadata has one.
    static func bearerToken(in metadata: Metadata) -> String? {
        guard let value = metadata.firstString(forKey: "authorization") else { return nil }
        let prefix = "bearer "
        guard value.count > prefix.count, value.prefix(prefix.count).lowercased() == prefix else { return "" }
        return String(value.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }
}
