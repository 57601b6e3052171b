import CourtsideDomain
public import CourtsideProto

/// A game's play-by-play as one provider payload describes it: the game record for the
/// schedule service and the events to publish to the score service, in order.
public struct GameFeed: Hashable, Sendable {
    /// The game, with Courtside ids (`nba-0022000001`, team tricodes).
    public var game: Game
    /// The events, in the provider's order, each with the game's state after it. They obey the
    /// score service's rules (see ``ScoreRules``), and their source ids are stable across polls.
    public var events: [Event]
    /// The game's state after the last event (or the provider's current state when there are none).
    public var state: GameState
    /// The provider's glitches that were reconciled on the way, in play order.
    public var glitches: [FeedGlitch]
    /// The game's teams created from the provider's data (a league without seed data, or a WNBA
    /// team newer than the seed), written to the schedule with the game; empty for seed teams.
    public var teams: [Team]

    /// Creates a feed.
    public init(game: Game, events: [Event], state: GameState, glitches: [FeedGlitch] = [], teams: [Team] = []) {
        self.game = game
        self.events = events
        self.state = state
        self.glitches = glitches
        self.teams = teams
    }
}

/// One game on a scoreboard: its record and its current state.
public struct ScoreboardGame: Hashable, Sendable {
    /// The game, with Courtside ids.
    public var game: Game
    /// Score, period, clock and status as the scoreboard shows them.
    ///
    /// A scoreboard does not say whether the clock is stopped: `clockRunning` is true for a live
    /// game with time left in a period that has not ended.
    public var state: GameState
    /// Whether the current period is over (ESPN's `STATUS_END_PERIOD`, NBA's "End of 1st Qtr",
    /// halftime, final): the differ emits `periodEnd` when this becomes true.
    public var periodEnded: Bool
    /// The game's teams that the feed creates in the schedule before the game (teams of a
    /// league without seed data, from the provider's own data); empty for seeded leagues.
    public var teams: [Team]

    /// Creates a scoreboard entry.
    public init(game: Game, state: GameState, periodEnded: Bool = false, teams: [Team] = []) {
        self.game = game
        self.state = state
        self.periodEnded = periodEnded
        self.teams = teams
    }
}

/// Every game of one scoreboard response.
public struct ScoreboardSnapshot: Hashable, Sendable {
    /// The games, in the provider's order.
    public var games: [ScoreboardGame]
    /// Games left out because a team is not one of its seeded league's teams (only with
    /// ``UnknownTeamPolicy/skipGame``), with the reason for each.
    public var skipped: [FeedError]
    /// Basketball games of leagues Courtside does not read, left out (a provider that lists
    /// every league it follows: TheSportsDB).
    public var otherLeagueGames: Int

    /// Creates a snapshot; a feed service can also build one from the score service's current
    /// snapshots to seed ``ScoreboardDiffer`` after a restart.
    public init(games: [ScoreboardGame], skipped: [FeedError] = [], otherLeagueGames: Int = 0) {
        self.games = games
        self.skipped = skipped
        self.otherLeagueGames = otherLeagueGames
    }

    /// The teams to create before these games are written (``ScoreboardGame/teams``), each once.
    public func teams(of gameIDs: some Sequence<String>) -> [Team] {
        let wanted = Set(gameIDs)
        var seen: Set<String> = []
        return games.filter { wanted.contains($0.game.id) }.flatMap(\.teams).filter { seen.insert($0.id).inserted }
    }

    /// The entry for a game id, if the snapshot has it.
    public subscript(gameId: String) -> ScoreboardGame? {
        games.first { $0.game.id == gameId }
    }
}

/// What a scoreboard adapter does with a game whose team is not one of its seeded league's
/// teams (teams of leagues without seed data are created, never skipped).
public enum UnknownTeamPolicy: Hashable, Sendable {
    /// Reject the whole payload (the default: an unknown team usually means a format change).
    case reject
    /// Leave that game out and list it in ``ScoreboardSnapshot/skipped``; for preseason
    /// scoreboards, which include exhibition games against non-NBA clubs (ESPN lists
    /// "Melbourne United" as `MEL`).
    case skipGame
}

/// An event placed on a timeline: when it happens in game time and in wall time.
public struct TimedEvent: Hashable, Sendable {
    /// Game-clock time played since tip-off when the event happens.
    public var gameElapsedMs: Int64
    /// Wall-clock time since tip-off when the event should be published, at the timeline's speed.
    public var wallOffsetMs: Int64
    /// The event.
    public var event: Event

    /// Creates a timed event.
    public init(gameElapsedMs: Int64, wallOffsetMs: Int64, event: Event) {
        self.gameElapsedMs = gameElapsedMs
        self.wallOffsetMs = wallOffsetMs
        self.event = event
    }
}
