import Auth
import GRPC
import Logging
import Prometheus
import ServiceKit

/// The bridge's connection tokens (docs/auth.md, "Browsers"): verified by the Auth module's
/// verifier against `--connection-jwks-file`; decides which games a connection may follow or
/// read; counts and logs refusals (lines limited per reason), expiries and refreshes (with the
/// subject, never the token).
final class ConnectionAuthority: Sendable {
    let access: GameAccess
    /// After `exp`, how long a connection may wait for a new token.
    let graceMs: Int64
    /// A game's league ("" when unknown), for private leagues.
    let leagueOf: @Sendable (String) -> String
    private let verifier: TokenVerifier?
    private let metrics: BridgeMetrics
    private let logger: Logger
    /// Refusal lines, at most ``RateLimitedLog/Limit/standard`` per reason (the metrics count
    /// every refusal): a browser can send bad tokens as fast as it likes.
    private let refusalLog = RateLimitedLog()

    init(
        access: GameAccess, graceMs: Int64, verifier: TokenVerifier?, metrics: BridgeMetrics, logger: Logger,
        leagueOf: @escaping @Sendable (String) -> String = { _ in "" }
    ) {
        self.access = access
        self.graceMs = graceMs
        self.leagueOf = leagueOf
        self.verifier = verifier
        self.metrics = metrics
        self.logger = logger
    }

    /// No keys and no private games: what a bridge without the settings has.
    convenience init(configuration: BridgeConfiguration, metrics: BridgeMetrics, logger: Logger) {
        self.init(
            access: GameAccess(privateGames: configuration.privateGames, privateLeagues: configuration.privateLeagues),
            graceMs: configuration.connectionTokenGrace.milliseconds, verifier: nil, metrics: metrics, logger: logger
        )
    }

    /// Reads `--connection-jwks-file` (when set); throws when it cannot be used.
    static func make(
        configuration: BridgeConfiguration, metrics: BridgeMetrics, logger: Logger,
        leagueOf: @escaping @Sendable (String) -> String = { _ in "" }
    ) async throws -> ConnectionAuthority {
        var verifier: TokenVerifier?
        if !configuration.connectionJWKSFile.isEmpty {
            do {
                verifier = try await TokenVerifier(
                    configuration: TokenVerifier.Configuration(
                        jwksPath: configuration.connectionJWKSFile, audience: configuration.connectionTokenAudience,
                        issuer: configuration.connectionTokenIssuer
                    ),
                    logger: logger
                )
            } catch {
                throw SettingsError("--connection-jwks-file: \(error.description)")
            }
        }
        if !configuration.privateGames.isEmpty {
            logger.info("private games need a connection token", metadata: ["games": "\(configuration.privateGames.count)"])
        }
        if !configuration.privateLeagues.isEmpty {
            logger.info(
                "private leagues need a connection token", metadata: ["leagues": "\(configuration.privateLeagues.joined(separator: ","))"])
        }
        return ConnectionAuthority(
            access: GameAccess(privateGames: configuration.privateGames, privateLeagues: configuration.privateLeagues),
            graceMs: configuration.connectionTokenGrace.milliseconds, verifier: verifier, metrics: metrics, logger: logger,
            leagueOf: leagueOf
        )
    }

    /// The grant `token` carries, or why it carries none (counted and logged).
    func grant(for token: String, transport: String) async -> Result<ConnectionGrant, ConnectionTokenRefusal> {
        guard let verifier else { return .failure(refuse(.noKeys, subject: nil, transport: transport)) }
        do {
            let grant = ConnectionGrant(try await verifier.verify(token))
            metrics.connectionTokensAccepted.increment()
            return .success(grant)
        } catch {
            return .failure(refuse(.token(error), subject: nil, transport: transport))
        }
    }

    /// The games of `requested` that a connection holding `grant` may not follow, and why (nil:
    /// none; a refusal is counted and logged).
    func refusedGames(_ requested: some Sequence<String>, grant: ConnectionGrant?, transport: String) -> GameRefusal? {
        let refused = access.refused(requested, grant: grant, leagueOf: leagueOf)
        guard let first = refused.first else { return nil }
        let refusal = refuse(grant == nil ? .missingToken : .gameNotAllowed, subject: grant?.subject, transport: transport, game: first)
        return GameRefusal(games: refused, refusal: refusal)
    }

    /// A `refresh` was sent.
    func refreshSent() {
        metrics.connectionTokenRefreshes.increment()
    }

    /// A connection was closed because no new token came within the grace.
    func expired(subject: String, transport: String) {
        metrics.connectionTokenExpiries.increment()
        logger.info(
            "connection closed: its token expired and no new one came", metadata: ["subject": "\(subject)", "transport": "\(transport)"])
    }

    private func refuse(_ refusal: ConnectionTokenRefusal, subject: String?, transport: String, game: String? = nil)
        -> ConnectionTokenRefusal
    {
        metrics.connectionTokenRefused(refusal)
        var metadata: Logger.Metadata = ["reason": "\(refusal.reason)", "transport": "\(transport)"]
        if let subject { metadata["subject"] = "\(subject)" }
        if let game { metadata["game"] = "\(game)" }
        refusalLog.log(refusal.reason, level: .notice, "connection token refused", metadata: metadata, to: logger)
        return refusal
    }
}

/// Private games a connection asked for and may not follow or read, and why.
struct GameRefusal {
    /// Sorted, each once.
    let games: [String]
    /// `missingToken` (no token) or `gameNotAllowed`.
    let refusal: ConnectionTokenRefusal

    /// What the client is told: the reason and the first 20 games (each cut at 64 characters).
    var message: String {
        "\(refusal.message): \(games.prefix(20).map { $0.prefix(64) }.joined(separator: ", "))"
    }
}
