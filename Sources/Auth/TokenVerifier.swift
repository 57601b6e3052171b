public import Foundation
public import GRPC
import JWTKit
public import Logging
import ServiceKit
import Synchronization

/// Verifies bearer tokens against the public keys of a JWKS file: the header first (accepted
/// algorithm, known `kid`, the key's own algorithm), then the signature (jwt-kit), then `exp`,
/// `nbf`, `aud` and `iss` with a small clock skew. The file is a ``WatchedFile`` checked every
/// `reloadInterval` in the background (a call reads the keys from memory), so that keys rotate
/// by `kid` without a restart; a reload forgets every cached token, so a removed key's tokens
/// stop working at once.
public final class TokenVerifier: Sendable {
    public struct Configuration: Sendable {
        public var jwksPath: String
        /// The `aud` a token must name.
        public var audience: String
        /// The `iss` a token must have.
        public var issuer: String
        public var clockSkew: Duration = .seconds(30)
        /// How often the file is checked for changes; nil: only ``TokenVerifier/reloadIfChanged()``.
        public var reloadInterval: Duration? = .seconds(1)
        public var cacheCapacity = 10_000

        public init(jwksPath: String, audience: String, issuer: String) {
            self.jwksPath = jwksPath
            self.audience = audience
            self.issuer = issuer
        }
    }

    /// Why the JWKS file could not be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State: Sendable {
        var cache: VerifiedTokenCache
        /// The key file's version the cache was filled under: a newer one empties it, and a
        /// verification that started under older keys is not cached.
        var generation = 0
    }

    public let configuration: Configuration
    private let keys: WatchedFile<KeySet>
    private let now: @Sendable () -> Date
    private let state: Mutex<State>

    /// Reads the JWKS file; throws if it is missing or not an acceptable key set.
    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) async throws(LoadError) {
        self.configuration = configuration
        self.now = now
        let path = configuration.jwksPath
        do {
            keys = try await WatchedFile(name: "token keys", paths: [path], interval: configuration.reloadInterval, logger: logger) {
                contents in try await KeySet(jwks: contents[0])
            }
        } catch {
            switch error.kind {
            case .unreadable, .tooLarge: throw LoadError(description: "cannot read the JWKS file \(error.description)")
            case .unusable: throw LoadError(description: "the JWKS file \(path) \(error.reason)")
            }
        }
        state = Mutex(State(cache: VerifiedTokenCache(capacity: configuration.cacheCapacity)))
        logger.info("token keys loaded", metadata: ["jwks": "\(path)", "kids": "\(keys.value.algorithms.keys.sorted())"])
    }

    /// The `kid`s currently accepted.
    public var keyIDs: Set<String> { Set(keys.value.algorithms.keys) }

    /// Checks the JWKS file now (it is also checked every `reloadInterval`).
    @discardableResult
    public func reloadIfChanged() async -> WatchedFileOutcome {
        await keys.check()
    }

    /// The identity `token` carries, or why it carries none.
    public func identity(forToken token: String) async throws(AuthFailure) -> Identity {
        try await accept(token).verified.identity
    }

    /// Everything `token` says (identity, expiry, the games and leagues it names), or why it
    /// is refused. A token longer than ``BearerToken/maximumBytes`` is refused unread.
    public func verify(_ token: String) async throws(AuthFailure) -> VerifiedToken {
        try await accept(token).verified
    }

    /// A token this verifier accepted: what it says, until when it is accepted (`exp` plus the
    /// clock skew), and the version of the key file it was verified under. A connection keeps
    /// the last one its calls sent (``AuthInterceptor``), and ``verdict(reusing:)`` decides a
    /// later call sending the same bytes without hashing them or taking the cache's lock.
    struct AcceptedToken: Sendable, Equatable {
        let verified: VerifiedToken
        let acceptedUntil: Date
        let keyVersion: Int
    }

    /// ``verify(_:)``, with what a connection keeps of the answer.
    func accept(_ token: String) async throws(AuthFailure) -> AcceptedToken {
        guard token.utf8.count <= BearerToken.maximumBytes else { throw .malformedToken }
        let now = self.now()
        let (keySet, generation) = keys.current
        let cached = state.withLock { state in
            if generation > state.generation {
                state.cache.removeAll()
                state.generation = generation
            }
            return state.generation == generation ? state.cache.verified(Substring(token), at: now) : nil
        }
        if let cached { return AcceptedToken(verified: cached.token, acceptedUntil: cached.until, keyVersion: generation) }
        let header = try TokenHeader(token: token)
        guard let keyAlgorithm = keySet.algorithms[header.keyID] else { throw .unknownKey }
        guard keyAlgorithm == header.algorithm else { throw .unsupportedAlgorithm }
        let claims: TokenClaims
        do { claims = try await keySet.keys.verify(token, as: TokenClaims.self) } catch { throw .badSignature }
        let (verified, acceptedUntil) = try check(claims, at: now)
        state.withLock { state in
            if state.generation == generation { state.cache.insert(Substring(token), verified: verified, expiry: acceptedUntil, now: now) }
        }
        return AcceptedToken(verified: verified, acceptedUntil: acceptedUntil, keyVersion: generation)
    }

    /// What a verification of `token` would end in, when that is known now without waiting or
    /// reading anything: the token was verified under the keys in force and is still accepted
    /// (`.verified`), or is accepted no longer (`.refused(.expired)`), or is too long to be read
    /// (`.refused(.malformedToken)`). `.unknown` when it has to be verified (not in the cache,
    /// or the key file changed since it was cached): ``accept(_:)`` does that, and the answers
    /// of the two agree. Expiry is checked against the clock now, on every
    /// call.
    func cachedVerdict(forToken token: Substring) -> CachedVerdict {
        guard token.utf8.count <= BearerToken.maximumBytes else { return .refused(.malformedToken) }
        let now = self.now()
        let generation = keys.version
        return state.withLock { state in
            guard state.generation == generation else { return .unknown }
            switch state.cache.lookup(token, at: now) {
            case .verified(let verified, let until):
                return .verified(AcceptedToken(verified: verified, acceptedUntil: until, keyVersion: generation))
            case .expired: return .refused(.expired)
            case .unknown: return .unknown
            }
        }
    }

    /// What a verification of a token accepted before as `accepted` would end in now, without
    /// looking anything up: nil when the key file has changed since (the token has to be
    /// verified again, or looked up under the new keys), else `.verified` while it is accepted
    /// and `.refused(.expired)` from then on, the clock read at every call. nil as well when the
    /// verifier keeps no tokens (`cacheCapacity` 0: every call is verified).
    func verdict(reusing accepted: AcceptedToken) -> CachedVerdict? {
        guard configuration.cacheCapacity > 0, accepted.keyVersion == keys.version else { return nil }
        return now() < accepted.acceptedUntil ? .verified(accepted) : .refused(.expired)
    }

    /// See ``cachedVerdict(forToken:)``.
    enum CachedVerdict: Equatable {
        case verified(AcceptedToken)
        case refused(AuthFailure)
        case unknown
    }

    /// What the claims say and until when they are accepted (`exp` plus the clock skew), if
    /// they hold at `now`.
    private func check(_ claims: TokenClaims, at now: Date) throws(AuthFailure) -> (VerifiedToken, Date) {
        let skew = configuration.clockSkew.inSeconds
        guard let subject = claims.sub, !subject.isEmpty, let exp = claims.exp, exp.isFinite, claims.nbf?.isFinite ?? true else {
            throw .malformedToken
        }
        let expiresAt = Date(timeIntervalSince1970: exp)
        let acceptedUntil = expiresAt.addingTimeInterval(skew)
        guard now < acceptedUntil else { throw .expired }
        if let nbf = claims.nbf, now < Date(timeIntervalSince1970: nbf).addingTimeInterval(-skew) { throw .notYetValid }
        guard claims.aud?.contains(configuration.audience) == true else { throw .wrongAudience }
        guard claims.iss == configuration.issuer else { throw .wrongIssuer }
        let scopes = Set((claims.scope ?? "").split(separator: " ").map(String.init))
        let verified = VerifiedToken(
            identity: Identity(subject: subject, scopes: scopes), expiresAt: expiresAt, games: Set(claims.games ?? []),
            leagues: Set(claims.leagues ?? [])
        )
        return (verified, acceptedUntil)
    }
}
