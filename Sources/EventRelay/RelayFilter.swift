import CourtsideDomain
public import CourtsideProto

/// What a downstream subscriber follows: games by id, every game of some teams (including
/// games scheduled later), every live game, or everything — optionally narrowed to the games
/// of some leagues.
public struct RelayFilter: Sendable, Hashable {
    public var gameIds: Set<String>
    public var teamIds: Set<String>
    public var allLive: Bool
    public var allGames: Bool
    /// Only games of these leagues (empty: every league). A game whose league is not known
    /// (the schedule has not told yet) matches no league.
    public var leagueIds: Set<String>

    public init(
        gameIds: Set<String> = [], teamIds: Set<String> = [], allLive: Bool = false, allGames: Bool = false, leagueIds: Set<String> = []
    ) {
        self.gameIds = gameIds
        self.teamIds = teamIds
        self.allLive = allLive
        self.allGames = allGames
        self.leagueIds = leagueIds
    }

    /// The filter of a request: `league_ids` narrows the other fields, and on its own selects
    /// every game of those leagues (as `all_games` would).
    public init(_ filter: SubscriptionFilter) {
        let leaguesOnly = filter.gameIds.isEmpty && filter.teamIds.isEmpty && !filter.allLive && !filter.leagueIds.isEmpty
        self.init(
            gameIds: Set(filter.gameIds), teamIds: Set(filter.teamIds), allLive: filter.allLive, allGames: filter.allGames || leaguesOnly,
            leagueIds: Set(filter.leagueIds)
        )
    }

    public var isEmpty: Bool { gameIds.isEmpty && teamIds.isEmpty && !allLive && !allGames }

    /// Whether an item of a game belongs to this filter.
    /// - Parameters:
    ///   - leagueId: the game's league, nil when not known (then no league filter matches).
    ///   - previousStatus: the game's status before the item (an all-live subscriber gets the
    ///     item that ends a game too).
    public func matches(
        gameId: String, homeTeamId: String, awayTeamId: String, leagueId: String? = nil, status: GameStatus, previousStatus: GameStatus?
    ) -> Bool {
        guard admits(league: leagueId) else { return false }
        if names(gameId) { return true }
        if !teamIds.isEmpty && (teamIds.contains(homeTeamId) || teamIds.contains(awayTeamId)) { return true }
        if allLive {
            if Self.isLive(status) { return true }
            if let previousStatus, Self.isLive(previousStatus) { return true }
        }
        return false
    }

    /// Whether the league filter lets a game of `league` through (nil: not known).
    public func admits(league: String?) -> Bool {
        guard !leagueIds.isEmpty else { return true }
        guard let league else { return false }
        return leagueIds.contains(league)
    }

    /// Whether the filter names the game itself: by its id, or as one of all games (the league
    /// filter aside: see ``admits(league:)``).
    public func names(_ gameId: String) -> Bool {
        allGames || gameIds.contains(gameId)
    }

    public static func isLive(_ status: GameStatus) -> Bool {
        status.isLive
    }
}
