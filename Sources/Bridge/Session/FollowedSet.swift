import CourtsideDomain
public import CourtsideProto

/// What one connection follows (§5.1): games by id, every game of some teams, every live game,
/// every live game of some leagues.
public struct FollowedSet: Sendable, Equatable {
    public private(set) var games: Set<String> = []
    public private(set) var teams: Set<String> = []
    public private(set) var allLive = false
    public private(set) var leagues: Set<String> = []

    /// A set following these games, teams, (optionally) every live game, and the live games of
    /// these leagues.
    public init(games: Set<String> = [], teams: Set<String> = [], allLive: Bool = false, leagues: Set<String> = []) {
        self.games = games
        self.teams = teams
        self.allLive = allLive
        self.leagues = leagues
    }

    public var isEmpty: Bool { games.isEmpty && teams.isEmpty && !allLive && leagues.isEmpty }

    /// Whether an item of a game belongs to the set.
    /// - Parameters:
    ///   - status: the game's status after the item.
    ///   - previousStatus: its status before (a game followed through `allLive` or its league
    ///     gets the item that ends it, then nothing more).
    ///   - league: the game's league ("" when unknown).
    public func follows(
        gameId: String, home: String, away: String, status: GameStatus, previousStatus: GameStatus?, league: String = ""
    ) -> Bool {
        if games.contains(gameId) { return true }
        if !teams.isEmpty, teams.contains(home) || teams.contains(away) { return true }
        if allLive || (!leagues.isEmpty && leagues.contains(league)) {
            if status.isLive { return true }
            if let previousStatus, previousStatus.isLive { return true }
        }
        return false
    }

    /// Whether the set would stay within the limits after subscribing to these (§6
    /// `too_many_subscriptions`).
    public func allows(
        adding games: [String], teams: [String], leagues: [String] = [], maxGames: Int, maxTeams: Int,
        maxLeagues: Int = ProtocolIds.maximumLeagues
    ) -> Bool {
        self.games.union(games).count <= maxGames && self.teams.union(teams).count <= maxTeams
            && self.leagues.union(leagues).count <= maxLeagues
    }

    /// What a subscribe added.
    public struct Added: Sendable, Equatable {
        public var games: [String] = []
        public var teams: [String] = []
        public var allLive = false
        public var leagues: [String] = []
    }

    /// Adds to the set; returns what is new.
    @discardableResult
    public mutating func subscribe(games: [String], teams: [String], allLive: Bool, leagues: [String] = []) -> Added {
        var added = Added()
        for game in games where self.games.insert(game).inserted { added.games.append(game) }
        for team in teams where self.teams.insert(team).inserted { added.teams.append(team) }
        for league in leagues where self.leagues.insert(league).inserted { added.leagues.append(league) }
        if allLive && !self.allLive {
            self.allLive = true
            added.allLive = true
        }
        return added
    }

    /// Removes from the set (ids that are not followed are ignored).
    public mutating func unsubscribe(games: [String], teams: [String], allLive: Bool, leagues: [String] = []) {
        for game in games { self.games.remove(game) }
        for team in teams { self.teams.remove(team) }
        for league in leagues { self.leagues.remove(league) }
        if allLive { self.allLive = false }
    }
}
