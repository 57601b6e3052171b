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
///
/// An inline method (`registerInlineUnary`) stays inline when the call is decided at once: a
/// token verified before under the keys in force and not expired at this call, with no key
/// reload due (or a certificate, or no credentials). A token still to verify, or a due reload,
/// sends the call to a task as every other intercepted call; both paths share every check.
/// Each connection keeps the last token it accepted (``ConnectionToken``): a call that sends the
/// same bytes again is decided by comparing them, its expiry and the key file's version checked
/// as for any other call.
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
        let identity: Identity?
        let anonymousBecause: AuthFailure
        switch try callerAtOnce(of: context) {
        case .known(let known, let because):
            (identity, anonymousBecause) = (known, because)
        case .toVerify(let token, let verifier):
            do {
                let accepted = try await verifier.accept(String(token))
                Self.remember(token, accepted, in: context.connectionSlot)
                identity = accepted.verified.identity
            } catch {
                throw refuse(error, context: context, subject: nil)
            }
            anonymousBecause = .missingToken
        }
        try admit(permission, identity, anonymousBecause: anonymousBecause, context: context)
        guard case .scope = permission, audits, let identity else {
            try await Identity.$current.withValue(identity) { try await handler() }
            return
        }
        let note = AuditNote()
        do {
            try await Identity.$current.withValue(identity) { try await AuditNote.$current.withValue(note) { try await handler() } }
            audit(context, identity: identity, note: note, outcome: "ok")
        } catch {
            audit(context, identity: identity, note: note, outcome: Self.auditOutcome(of: error))
            throw error
        }
    }

    /// The same decision on the event loop, for inline methods: taken at once when the caller is
    /// known without waiting (a token verified before under the keys in force, not expired, with
    /// no key reload due; a client certificate; no credentials at all), with the refusals, task
    /// locals and audit lines of the asynchronous path. A token still to be verified (or a due
    /// reload) leaves the call `.undecided`, for the asynchronous path.
    public func intercept<Result>(synchronously context: ServerContext, handler: () throws -> Result) throws -> SynchronousInterception<
        Result
    > {
        let permission = permissions.permission(for: context.method)
        guard case .known(let identity, let anonymousBecause) = try callerAtOnce(of: context) else { return .undecided }
        try admit(permission, identity, anonymousBecause: anonymousBecause, context: context)
        guard case .scope = permission, audits, let identity else {
            return .handled(try Identity.$current.withValue(identity) { try handler() })
        }
        let note = AuditNote()
        do {
            let result = try Identity.$current.withValue(identity) { try AuditNote.$current.withValue(note) { try handler() } }
            audit(context, identity: identity, note: note, outcome: "ok")
            return .handled(result)
        } catch {
            audit(context, identity: identity, note: note, outcome: Self.auditOutcome(of: error))
            throw error
        }
    }

    /// Who calls, as far as it is known without waiting.
    private enum Caller {
        /// The token's identity, or the one the client certificate's names map to; nil, and
        /// why, when anonymous.
        case known(Identity?, anonymousBecause: AuthFailure)
        /// A token the verifier has to check (signature, or a key reload first).
        case toVerify(Substring, TokenVerifier)
    }

    /// Who calls: the token's identity when the call sends one (refused if it does not verify),
    /// else the identity the client certificate's names map to. Throws the refusal of a token
    /// known to be refused (an expired one, or any without a verifier).
    private func callerAtOnce(of context: ServerContext) throws -> Caller {
        if let token = Self.bearerToken(in: context.requestMetadata) {
            guard let verifier else { throw refuse(.unknownKey, context: context, subject: nil) }
            switch Self.verdictAtOnce(for: token, verifier: verifier, slot: context.connectionSlot) {
            case .verified(let accepted): return .known(accepted.verified.identity, anonymousBecause: .missingToken)
            case .refused(let failure): throw refuse(failure, context: context, subject: nil)
            case .unknown: return .toVerify(token, verifier)
            }
        }
        guard let clientIdentities else { return .known(nil, anonymousBecause: .missingToken) }
        let names = context.peerCertificateNames
        guard !names.isEmpty else { return .known(nil, anonymousBecause: .missingToken) }
        guard let identity = clientIdentities.identity(forCertificateNames: names) else {
            return .known(nil, anonymousBecause: .unknownClientCertificate)
        }
        return .known(identity, anonymousBecause: .missingToken)
    }

    /// What is known of `token` without waiting: first from the connection's last accepted token
    /// when it is the same bytes (no hashing, no shared lock), else from the verifier's cache
    /// (remembered for the connection's next call when accepted there).
    private static func verdictAtOnce(for token: Substring, verifier: TokenVerifier, slot: ConnectionSlot) -> TokenVerifier.CachedVerdict {
        if let last = slot.value as? ConnectionToken, last.matches(token), let verdict = verifier.verdict(reusing: last.accepted) {
            return verdict
        }
        let verdict = verifier.cachedVerdict(forToken: token)
        if case .verified(let accepted) = verdict { remember(token, accepted, in: slot) }
        return verdict
    }

    /// Keeps `token`, just accepted, as the connection's last one.
    private static func remember(_ token: Substring, _ accepted: TokenVerifier.AcceptedToken, in slot: ConnectionSlot) {
        slot.store(ConnectionToken(token, accepted: accepted))
    }

    /// Refuses the call unless `identity` may call a method of `permission`.
    private func admit(_ permission: MethodPermission, _ identity: Identity?, anonymousBecause: AuthFailure, context: ServerContext)
        throws
    {
        switch permission {
        case .open:
            break
        case .read:
            if permissions.requireReadToken { try require(Scope.read, of: identity, anonymousBecause: anonymousBecause, context: context) }
        case .scope(let scope):
            try require(scope, of: identity, anonymousBecause: anonymousBecause, context: context)
        }
    }

    private static func auditOutcome(of error: any Error) -> String {
        (error as? RPCError).map { "\($0.code)" } ?? "error"
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
    static func bearerToken(in metadata: Metadata) -> Substring? {
        // Keys are stored lower-case; walking them skips the copy `firstString` makes. The token
        // stays a slice of the value: the cache looks it up as it is.
        guard let entry = metadata.first(where: { $0.key == "authorization" }), case .string(let value) = entry.value else { return nil }
        return BearerToken.token(inAuthorization: value) ?? ""
    }
}
