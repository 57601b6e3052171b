public import Foundation
import JWTKit
public import Logging
import ServiceKit
import Synchronization

/// Verifies bearer tokens against the public keys of a JWKS file: the header first (accepted
/// algorithm, known `kid`, the key's own algorithm), then the signature (jwt-kit), then `exp`,
/// `nbf`, `aud` and `iss` with a small clock skew. The file is read again when it changes
/// (checked at most once per `reloadInterval`, on the next call), so that keys rotate by `kid`
/// without a restart; a reload forgets every cached token, so a removed key's tokens stop
/// working at once.
public final class TokenVerifier: Sendable {
    public struct Configuration: Sendable {
        public var jwksPath: String
        /// The `aud` a token must name.
        public var audience: String
        /// The `iss` a token must have.
        public var issuer: String
        public var clockSkew: Duration = .seconds(30)
        public var reloadInterval: Duration = .seconds(1)
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
        var keySet: KeySet
        var fileContents: Data
        var nextCheck: Date
        var cache: VerifiedTokenCache
        /// Bumped by every reload: a verification that started under older keys is not cached.
        var generation = 0
    }

    public let configuration: Configuration
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let state: Mutex<State>

    /// Reads the JWKS file; throws if it is missing or not an acceptable key set.
    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) async throws(LoadError) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
        let contents = try Self.read(configuration.jwksPath)
        let keySet: KeySet
        do { keySet = try await KeySet(jwks: contents) } catch {
            throw LoadError(description: "the JWKS file \(configuration.jwksPath) \(error.description)")
        }
        state = Mutex(
            State(
                keySet: keySet, fileContents: contents, nextCheck: now() + configuration.reloadInterval.inSeconds,
                cache: VerifiedTokenCache(capacity: configuration.cacheCapacity)
            )
        )
        logger.info("token keys loaded", metadata: ["jwks": "\(configuration.jwksPath)", "kids": "\(keySet.algorithms.keys.sorted())"])
    }

    /// The `kid`s currently accepted.
    public var keyIDs: Set<String> { state.withLock { Set($0.keySet.algorithms.keys) } }

    /// The identity `token` carries, or why it carries none.
    public func identity(forToken token: String) async throws(AuthFailure) -> Identity {
        try await verify(token).identity
    }

    /// Everything `token` says (identity, expiry, the games and leagues it names), or why it
    /// is refused. A token longer than ``BearerToken/maximumBytes`` is refused unread.
    public func verify(_ token: String) async throws(AuthFailure) -> VerifiedToken {
        guard token.utf8.count <= BearerToken.maximumBytes else { throw .malformedToken }
        let now = self.now()
        await reloadIfChanged(at: now)
        let (cached, keySet, generation) = state.withLock { state in
            (state.cache.verified(Substring(token), at: now), state.keySet, state.generation)
        }
        if let cached { return cached }
        let header = try TokenHeader(token: token)
        guard let keyAlgorithm = keySet.algorithms[header.keyID] else { throw .unknownKey }
        guard keyAlgorithm == header.algorithm else { throw .unsupportedAlgorithm }
        let claims: TokenClaims
        do { claims = try await keySet.keys.verify(token, as: TokenClaims.self) } catch { throw .badSignature }
        let (verified, acceptedUntil) = try check(claims, at: now)
        state.withLock { state in
            if state.generation == generation { state.cache.insert(Substring(token), verified: verified, expiry: acceptedUntil, now: now) }
        }
        return verified
    }

    /// What a verification of `token` would end in, when that is known now without waiting or
    /// reading anything: the token was verified under the keys in force and is still accepted
    /// (`.verified`), or is accepted no longer (`.refused(.expired)`), or is too long to be read
    /// (`.refused(.malformedToken)`). `.unknown` when it has to be verified (not in the cache,
    /// or forgotten by a key reload) or when the key file's check is due: ``verify(_:)`` does
    /// both, and the answers of the two agree. Expiry is checked against the clock now, on every
    /// call.
    func cachedVerdict(forToken token: Substring) -> CachedVerdict {
        guard token.utf8.count <= BearerToken.maximumBytes else { return .refused(.malformedToken) }
        let now = self.now()
        return state.withLock { state in
            guard now < state.nextCheck else { return .unknown }
            switch state.cache.lookup(token, at: now) {
            case .verified(let verified): return .verified(verified)
            case .expired: return .refused(.expired)
            case .unknown: return .unknown
            }
        }
    }

    /// See ``cachedVerdict(forToken:)``.
    enum CachedVerdict: Equatable {
        case verified(VerifiedToken)
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

    /// Reads the file again when its check is due; a changed, acceptable key set replaces the
    /// keys and empties the cache. A file that cannot be read or used keeps the keys in force.
    private func reloadIfChanged(at now: Date) async {
        let due = state.withLock { state in
            guard now >= state.nextCheck else { return false }
            state.nextCheck = now + configuration.reloadInterval.inSeconds
            return true
        }
        guard due else { return }
        let contents: Data
        do { contents = try Self.read(configuration.jwksPath) } catch {
            logger.error("token keys not reloaded; the previous keys stay in force", metadata: ["reason": "\(error.description)"])
            return
        }
        guard state.withLock({ $0.fileContents != contents }) else { return }
        do {
            let keySet = try await KeySet(jwks: contents)
            state.withLock { state in
                state.keySet = keySet
                state.fileContents = contents
                state.cache.removeAll()
                state.generation += 1
            }
            logger.info(
                "token keys reloaded", metadata: ["jwks": "\(configuration.jwksPath)", "kids": "\(keySet.algorithms.keys.sorted())"])
        } catch {
            // Remembered, so that the same bad file is reported once, not every second.
            state.withLock { $0.fileContents = contents }
            logger.error(
                "token keys not reloaded; the previous keys stay in force",
                metadata: ["jwks": "\(configuration.jwksPath)", "reason": "\(error.description)"]
            )
        }
    }

    private static func read(_ path: String) throws(LoadError) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoadError(description: "cannot read the JWKS file \(path): \(error.localizedDescription)")
        }
    }
}
