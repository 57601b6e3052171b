/// Which games need a connection token (`--private-games`, and every game of
/// `--private-leagues`), and whether a connection may follow or read a game. Every other game is
/// public: anyone may follow it, as before.
public struct GameAccess: Sendable, Equatable {
    public let privateGames: Set<String>
    public let privateLeagues: Set<String>

    public init(privateGames: some Sequence<String>, privateLeagues: some Sequence<String> = [String]()) {
        self.privateGames = Set(privateGames)
        self.privateLeagues = Set(privateLeagues)
    }

    /// No private games or leagues: every check passes without a lookup.
    public var isOpen: Bool { privateGames.isEmpty && privateLeagues.isEmpty }

    /// Whether `gameId` (of `league`, "" when the bridge does not know it yet) needs a token.
    /// While there are private leagues, a game whose league is not known yet is private: it might
    /// be one of theirs, and a token that names the game (or `*`) still reads it.
    public func isPrivate(_ gameId: String, league: String) -> Bool {
        if privateGames.contains(gameId) { return true }
        return !privateLeagues.isEmpty && (league.isEmpty || privateLeagues.contains(league))
    }

    /// Whether a connection holding `grant` (nil: no token) may follow or read `gameId` of
    /// `league`.
    public func allows(_ gameId: String, league: String, grant: ConnectionGrant?) -> Bool {
        guard isPrivate(gameId, league: league) else { return true }
        return grant?.allows(gameId, league: league) == true
    }

    /// The games of `requested` that `grant` does not allow, sorted, each once (`leagueOf`: a
    /// game's league, "" when unknown).
    public func refused(
        _ requested: some Sequence<String>, grant: ConnectionGrant?, leagueOf: (String) -> String = { _ in "" }
    ) -> [String] {
        guard !isOpen else { return [] }
        return Set(requested.filter { !allows($0, league: leagueOf($0), grant: grant) }).sorted()
    }
}
