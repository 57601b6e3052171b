public import ServiceKit
public import Logging

/// The settings of who may call a gRPC service (docs/auth.md), shared by score, schedule and
/// subscription.
public enum AuthSettings {
    public static let jwksFile = Setting.text(
        "jwks-file", default: "", help: "JWKS file of the public keys bearer tokens are signed with (ES256, EdDSA, RS256); reread when it changes. None: no tokens are accepted."
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
    public var audience: String
    public var issuer: String
    public var requireReadToken: Bool
    public var allowAnonymousWrites: Bool

    public init(reader: SettingsReader) throws(SettingsError) {
        let path = try reader.read(AuthSettings.jwksFile)
        jwksPath = path.isEmpty ? nil : path
        audience = try reader.read(AuthSettings.audience)
        issuer = try reader.read(AuthSettings.issuer)
        requireReadToken = try reader.read(AuthSettings.requireReadToken)
        allowAnonymousWrites = try reader.read(AuthSettings.allowAnonymousWrites)
        if jwksPath == nil && requireReadToken {
            throw reader.refuse(AuthSettings.requireReadToken, "needs --jwks-file (without keys no token can be verified)")
        }
    }

    /// Every setting at its default: no keys, every method open, on loopback only.
    public init() {
        jwksPath = nil
        audience = "courtside"
        issuer = "courtside"
        requireReadToken = false
        allowAnonymousWrites = false
    }

    /// Safe by default: a service on a non-loopback `host` without keys would let anyone write;
    /// it does not start unless `--allow-anonymous-writes` says so.
    public func checkExposure(host: String) throws(SettingsError) {
        guard jwksPath == nil, !allowAnonymousWrites, !Self.isLoopback(host) else { return }
        throw SettingsError(
            "--host \(host) is reachable from other machines and, without --jwks-file, anyone could call the write methods; "
                + "give --jwks-file (docs/auth.md), listen on 127.0.0.1, or pass --allow-anonymous-writes (development only)"
        )
    }

    /// The interceptor that enforces the permissions (nil without keys), after the exposure check.
    public func interceptor(host: String, metrics: ServiceMetrics, logger: Logger) async throws -> AuthInterceptor? {
        try checkExposure(host: host)
        guard let jwksPath else {
            logger.warning("no --jwks-file: every method is open to anonymous callers", metadata: ["host": "\(host)"])
            return nil
        }
        let verifier: TokenVerifier
        do {
            verifier = try await TokenVerifier(
                configuration: TokenVerifier.Configuration(jwksPath: jwksPath, audience: audience, issuer: issuer), logger: logger
            )
        } catch {
            throw SettingsError("--jwks-file: \(error.description)")
        }
        return AuthInterceptor(verifier: verifier, permissions: MethodPermissions(requireReadToken: requireReadToken), metrics: metrics)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
