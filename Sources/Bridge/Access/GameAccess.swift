/// Which games need a connection token (`--private-games`), and whether a connection may
/// follow or read a game. Every other game is public: anyone may follow it, as before.
public struct GameAccess: Sendable, Equatable {
    public let privateGames: Set<String>

    public init(privateGames: some Sequence<String>) {
        self.privateGames = Set(privateGames)
    }

    /// No private games: every check passes without a lookup.
    public var isOpen: Bool { privateGames.isEmpty }

    /// Whether a connection holding `grant` (nil: no token) may follow or read `gameId`.
    public func allows(_ gameId: String, grant: ConnectionGrant?) -> Bool {
        guard privateGames.contains(gameId) else { return true }
        return grant?.names(gameId) == true
    }

    /// The games of `requested` that `grant` does not allow, sorted, each once.
    public func refused(_ requested: some Sequence<String>, grant: ConnectionGrant?) -> [String] {
        guard !isOpen else { return [] }
        return Set(requested.filter { !allows($0, grant: grant) }).sorted()
    }
}
