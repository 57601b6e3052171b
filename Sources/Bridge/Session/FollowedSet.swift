import CourtsideDomain
public import CourtsideProto

/// What one connection follows (§5.1): games by id, every game of some teams, every live game.
public struct FollowedSet: Sendable, Equatable {
    public private(set) var games: Set<String> = []
    public private(set) var teams: Set<String> = []
    public private(set) var allLive = false

    /// A set following these games, teams and (optionally) every live game.
    public init(games: Set<String> = [], teams: Set<String> = [], allLive: Bool = false) {
        self.games = games
        self.teams = teams
        self.allLive = allLive
    }

    public var isEmpty: Bool { games.isEmpty && teams.isEmpty && !allLive }

    /// Whether an item of a game belongs to the set.
    /// - Parameters:
    ///   - status: the game's status after the item.
    ///   - previousStatus: its status before (a game followed through `allLive` gets the item
    ///     that ends it, then nothing more).
    public func follows(gameId: String, home: String, away: String, status: GameStatus, previousStatus: GameStatus?) -> Bool {
        if games.contains(gameId) { return true }
        if !teams.isEmpty, teams.contains(home) || teams.contains(away) { return true }
        if allLive {
            if status.isLive { return true }
            if let previousStatus, previousStatus.isLive { return true }
        }
        return false
    }

    /// Whether the set would stay within the limits after subscribing to these (§6
    /// `too_many_subscriptions`).
    public func allows(adding games: [String], teams: [String], maxGames: Int, maxTeams: Int) -> Bool {
        self.games.union(games).count <= maxGames && self.teams.union(teams).count <= maxTeams
    }

    /// What a subscribe added.
    public struct Added: Sendable, Equatable {
        public var games: [String] = []
        public var teams: [String] = []
        public var allLive = false
    }

    /// Adds to the set; returns what is new.
    @discardableResult
    public mutating func subscribe(games: [String], teams: [String], allLive: Bool) -> Added {
        var added = Added()
        for game in games where self.games.insert(game).inserted { added.games.append(game) }
        for team in teams where self.teams.insert(team).inserted { added.teams.append(team) }
        if allLive && !self.allLive {
            self.allLive = true
            added.allLive = true
        }
        return added
    }

    /// Removes from the set (ids that are not followed are ignored).
    public mutating func unsubscribe(games: [String], teams: [String], allLive: Bool) {
        for game in games { self.games.remove(game) }
        for team in teams { self.teams.remove(team) }
        if allLive { self.allLive = false }
    }
}
