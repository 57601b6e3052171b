import Foundation
public import GRPC
public import GRPCWire
public import Logging
public import ServiceKit

/// The one place a gRPC server checks credentials: before a method's handler runs, it reads
/// the `authorization: Bearer <token>` metadata and verifies the token or, without one, looks
/// the verified client certificate's names up in the client identities table (mTLS); then it
/// checks the method's permission. A token wins over a certificate: a call that sends one is
/// judged by it alone. A refusal ends the call with UNAUTHENTICATED or PERMISSION_DENIED before the
/// handler sees the request, is counted (`courtside_grpc_auth_refusals_total{method,reason}`)
/// and logged (subject when known, method, reason; never the token). An accepted write is
/// logged as an audit line with the games its handler noted (``AuditNote``) and its outcome. The handler runs with ``Identity/current`` set.
public struct AuthInterceptor: CallInterceptor {
    /// nil: no `--jwks-file`, so every token is refused.
    let verifier: TokenVerifier?
    /// nil: no `--client-identities-file`, so a certificate identifies nobody.
    let clientIdentities: ClientIdentityFile?
    let permissions: MethodPermissions
    let refusals: AuthRefusalCounters
    /// Whether accepted writes are logged as audit lines: false when the service logs above
    /// `info`, where the lines would be dropped anyway (building one costs more than the check).
    let audits: Bool

    public init(
        verifier: TokenVerifier?, clientIdentities: ClientIdentityFile? = nil, permissions: MethodPermissions, metrics: ServiceMetrics,
        audits: Bool = true
    ) {
        self.verifier = verifier
        self.clientIdentities = clientIdentities
        self.permissions = permissions
        self.refusals = AuthRefusalCounters(metrics)
        self.audits = audits
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
        let (identity, anonymousBecause) = try await caller(of: context)
        switch permission {
        case .open:
            break
        case .read:
            if permissions.requireReadToken { try require(Scope.read, of: identity, anonymousBecause: anonymousBecause, context: context) }
        case .scope(let scope):
            try require(scope, of: identity, anonymousBecause: anonymousBecause, context: context)
        }
        guard case .scope = permission, audits, let identity else {
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

    /// Who calls: the token's identity when the call sends one (refused if it does not verify),
    /// else the identity the client certificate's names map to; nil, and why, when anonymous.
    private func caller(of context: ServerContext) async throws -> (Identity?, anonymousBecause: AuthFailure) {
        if let token = Self.bearerToken(in: context.requestMetadata) {
            guard let verifier else { throw refuse(.unknownKey, context: context, subject: nil) }
            do { return (try await verifier.identity(forToken: token), .missingToken) } catch {
                throw refuse(error, context: context, subject: nil)
            }
        }
        guard let clientIdentities else { return (nil, .missingToken) }
        let names = context.peerCertificateNames
        guard !names.isEmpty else { return (nil, .missingToken) }
        guard let identity = clientIdentities.identity(forCertificateNames: names) else { return (nil, .unknownClientCertificate) }
        return (identity, .missingToken)
    }

    private func require(_ scope: String, of identity: Identity?, anonymousBecause: AuthFailure, context: ServerContext) throws {
        guard let identity else { throw refuse(anonymousBecause, context: context, subject: nil) }
        guard identity.holds(scope) else { throw refuse(.missingScope, context: context, subject: identity.subject) }
    }

    private func refuse(_ failure: AuthFailure, context: ServerContext, subject: String?) -> RPCError {
        // An unknown certificate's names are what an operator would add to the table.
        let names = failure == .unknownClientCertificate ? context.peerCertificateNames : []
        Self.record(failure, method: context.method, subject: subject, counters: refusals, logger: context.logger, certificateNames: names)
        return failure.rpcError
    }

    /// Counts and logs a refusal (also used by handlers refusing another owner's subscription).
    public static func record(
        _ failure: AuthFailure, method: MethodDescriptor, subject: String?, counters: AuthRefusalCounters, logger: Logger,
        certificateNames: [String] = []
    ) {
        counters.increment(failure, method: method)
        var metadata: Logger.Metadata = [
            "subject": "\(subject ?? "anonymous")", "method": "\(method.method)", "reason": "\(failure.rawValue)",
        ]
        if !certificateNames.isEmpty { metadata["certificate_names"] = "\(certificateNames.joined(separator: ","))" }
        counters.log.log(failure.rawValue, level: .notice, "call refused", metadata: metadata, to: logger)
    }

    private func audit(_ context: ServerContext, identity: Identity, note: AuditNote, outcome: String) {
        var logger = context.logger
        logger[metadataKey: "audit"] = "true"
        logger.info(
            "write",
            metadata: [
                "subject": "\(identity.subject)", "method": "\(context.method.method)", "games": "\(note.gamesText)",
                "outcome": "\(outcome)",
            ]
        )
    }

    /// The token of `authorization: Bearer <token>`, if the metadata has one ("" when the
    /// header is not `Bearer <something>`).
    static func bearerToken(in metadata: Metadata) -> String? {
        // Keys are stored lower-case; walking them skips the copy `firstString` makes.
        guard let entry = metadata.first(where: { $0.key == "authorization" }), case .string(let value) = entry.value else { return nil }
        return BearerToken.parse(authorization: value) ?? ""
    }
}
