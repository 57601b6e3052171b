public import Logging
public import ServiceKit

/// The settings of who may call a gRPC service (docs/auth.md), shared by score, schedule and
/// subscription.
public enum AuthSettings {
    public static let jwksFile = Setting.text(
        "jwks-file", default: "",
        help:
            "JWKS file of the public keys bearer tokens are signed with (ES256, EdDSA, RS256); reread when it changes. None: no tokens are accepted."
    )
    public static let clientIdentitiesFile = Setting.text(
        "client-identities-file", default: "",
        help:
            "JSON table mapping a verified client certificate's URI or DNS name to a subject and scopes (mTLS, needs --tls-client-ca-file); reread when it changes. A bearer token wins over it."
    )
    public static let audience = Setting.text("token-audience", default: "courtside", help: "The aud a bearer token must name.")
    public static let issuer = Setting.text("token-issuer", default: "courtside", help: "The iss a bearer token must have.")
    public static let requireReadToken = Setting.switch(
        "require-read-token", default: false, help: "Reads (scores, schedule, streams) need a token with scores:read too."
    )
    public static let allowAnonymousWrites = Setting.switch(
        "allow-anonymous-writes", default: false,
        help: "Without --jwks-file, let anyone call write methods on a non-loopback --host (development only)."
    )
}

/// How a service decides who may call it, as its settings say.
public struct AuthConfiguration: Sendable, Equatable {
    /// nil: no key set, so no tokens and every method open (loopback, or when allowed).
    public var jwksPath: String?
    /// nil: no client identities table, so a client certificate identifies nobody.
    public var clientIdentitiesPath: String?
    public var audience: String
    public var issuer: String
    public var requireReadToken: Bool
    public var allowAnonymousWrites: Bool

    public init(reader: SettingsReader) throws(SettingsError) {
        let path = try reader.read(AuthSettings.jwksFile)
        jwksPath = path.isEmpty ? nil : path
        let identitiesPath = try reader.read(AuthSettings.clientIdentitiesFile)
        clientIdentitiesPath = identitiesPath.isEmpty ? nil : identitiesPath
        if clientIdentitiesPath != nil, try reader.read(GRPCServerSettings.tlsClientCAFile).isEmpty {
            throw reader.refuse(
                AuthSettings.clientIdentitiesFile, "needs --tls-client-ca-file (without it no client certificate is asked for)")
        }
        audience = try reader.read(AuthSettings.audience)
        issuer = try reader.read(AuthSettings.issuer)
        requireReadToken = try reader.read(AuthSettings.requireReadToken)
        allowAnonymousWrites = try reader.read(AuthSettings.allowAnonymousWrites)
        if !identifiesCallers && requireReadToken {
            throw reader.refuse(
                AuthSettings.requireReadToken, "needs --jwks-file or --client-identities-file (without them no caller has an identity)"
            )
        }
    }

    /// Every setting at its default: no keys, every method open, on loopback only.
    public init() {
        jwksPath = nil
        clientIdentitiesPath = nil
        audience = "courtside"
        issuer = "courtside"
        requireReadToken = false
        allowAnonymousWrites = false
    }

    /// Whether callers can have an identity (a token key set or a client identities table): then
    /// the permissions are enforced and durable subscriptions belong to their creators.
    public var identifiesCallers: Bool { jwksPath != nil || clientIdentitiesPath != nil }

    /// Safe by default: a service on a non-loopback `host` that identifies nobody would let
    /// anyone write; it does not start unless `--allow-anonymous-writes` says so.
    public func checkExposure(host: String) throws(SettingsError) {
        guard !identifiesCallers, !allowAnonymousWrites, !Self.isLoopback(host) else { return }
        throw SettingsError(
            "--host \(host) is reachable from other machines and, without --jwks-file or --client-identities-file, anyone could call the write methods; "
                + "give --jwks-file (docs/auth.md), listen on 127.0.0.1, or pass --allow-anonymous-writes (development only)"
        )
    }

    /// The interceptor that enforces the permissions (nil when no caller can have an identity),
    /// after the exposure check.
    public func interceptor(host: String, metrics: ServiceMetrics, logger: Logger) async throws -> AuthInterceptor? {
        try checkExposure(host: host)
        guard identifiesCallers else {
            logger.warning("no --jwks-file: every method is open to anonymous callers", metadata: ["host": "\(host)"])
            return nil
        }
        var verifier: TokenVerifier?
        if let jwksPath {
            do {
                verifier = try await TokenVerifier(
                    configuration: TokenVerifier.Configuration(jwksPath: jwksPath, audience: audience, issuer: issuer), logger: logger
                )
            } catch {
                throw SettingsError("--jwks-file: \(error.description)")
            }
        }
        var clientIdentities: ClientIdentityFile?
        if let clientIdentitiesPath {
            do { clientIdentities = try ClientIdentityFile(path: clientIdentitiesPath, logger: logger) } catch {
                throw SettingsError("--client-identities-file: \(error.description)")
            }
        }
        return AuthInterceptor(
            verifier: verifier, clientIdentities: clientIdentities, permissions: MethodPermissions(requireReadToken: requireReadToken),
            metrics: metrics,
            audits: logger.logLevel <= .info
        )
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
