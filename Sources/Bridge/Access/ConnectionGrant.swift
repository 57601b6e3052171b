public import Auth
import Foundation

/// What a browser connection's token lets it follow besides the public games: the games it
/// names (`*`: every private game) and every game of the leagues it names, until `exp`.
public struct ConnectionGrant: Sendable, Equatable {
    public let subject: String
    public let games: Set<String>
    public let leagues: Set<String>
    /// The token's `exp` in Unix milliseconds, clamped into the protocol's integers.
    public let expiresAtMs: Int64

    public init(subject: String, games: Set<String>, leagues: Set<String> = [], expiresAtMs: Int64) {
        self.subject = subject
        self.games = games
        self.leagues = leagues
        self.expiresAtMs = expiresAtMs
    }

    /// The grant of a verified connection token.
    public init(_ token: VerifiedToken) {
        self.init(
            subject: token.identity.subject, games: token.games, leagues: token.leagues,
            expiresAtMs: Self.milliseconds(token.expiresAt)
        )
    }

    /// Whether the token names `gameId` (or every game).
    public func names(_ gameId: String) -> Bool {
        games.contains(Self.everyGame) || games.contains(gameId)
    }

    /// Whether the token names `gameId` (or every game) or the game's league (not "").
    public func allows(_ gameId: String, league: String) -> Bool {
        names(gameId) || (!league.isEmpty && leagues.contains(league))
    }

    /// The `games` entry that stands for every private game.
    public static let everyGame = "*"

    /// `date` in Unix milliseconds within `0 … 2^53 − 1` (a claim may hold any number).
    static func milliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite, ms > 0 else { return 0 }
        return ms >= Double(ProtocolIds.maximumInteger) ? Int64(ProtocolIds.maximumInteger) : Int64(ms)
    }
}
