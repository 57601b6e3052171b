public import Foundation

/// What a verified token says: who it names, what it grants, and until when. The `games` and
/// `leagues` claims are those of the bridge's connection tokens (docs/auth.md, "Browsers").
public struct VerifiedToken: Sendable, Equatable {
    public let identity: Identity
    /// The token's `exp`, without the clock skew the verifier allows.
    public let expiresAt: Date
    /// The `games` claim: game ids this token may follow (`*`: every game); empty when absent.
    public let games: Set<String>
    /// The `leagues` claim: leagues this token may follow; empty when absent.
    public let leagues: Set<String>

    public init(identity: Identity, expiresAt: Date, games: Set<String> = [], leagues: Set<String> = []) {
        self.identity = identity
        self.expiresAt = expiresAt
        self.games = games
        self.leagues = leagues
    }
}
