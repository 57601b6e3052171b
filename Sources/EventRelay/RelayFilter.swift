import CourtsideDomain
public import CourtsideProto

/// What a downstream subscriber follows: games by id, every game of some teams (including
/// games scheduled later), every live game, or everything.
public struct RelayFilter: Sendable, Hashable {
    public var gameIds: Set<String>
    public var teamIds: Set<String>
    public var allLive: Bool
    public var allGames: Bool

    public init(gameIds: Set<String> = [], teamIds: Set<String> = [], allLive: Bool = false, allGames: Bool = false) {
        self.gameIds = gameIds
        self.teamIds = teamIds
        self.allLive = allLive
        self.allGames = allGames
    }

    public init(_ filter: SubscriptionFilter) {
        self.init(gameIds: Set(filter.gameIds), teamIds: Set(filter.teamIds), allLive: filter.allLive, allGames: filter.allGames)
    }

    public var isEmpty: Bool { gameIds.isEmpty && teamIds.isEmpty && !allLive && !allGames }

    /// Whether an item of a game belongs to this filter.
    /// - Parameters:
    ///   - previousStatus: the game's status before the item (an all-live subscriber gets the
    ///     item that ends a game too).
    public func matches(gameId: String, homeTeamId: String, awayTeamId: String, status: GameStatus, previousStatus: GameStatus?) -> Bool {
        if names(gameId) { return true }
        if !teamIds.isEmpty && (teamIds.contains(homeTeamId) || teamIds.contains(awayTeamId)) { return true }
        if allLive {
            if Self.isLive(status) { return true }
            if let previousStatus, Self.isLive(previousStatus) { return true }
        }
        return false
    }

    /// Whether the filter names the game itself: by its id, or as one of all games.
    public func names(_ gameId: String) -> Bool {
        allGames || gameIds.contains(gameId)
    }

    public static func isLive(_ status: GameStatus) -> Bool {
        status.isLive
    }
}
