import CourtsideDomain
public import CourtsideProto

/// How to simulate: which games, from which seed, at what speed.
public struct SimulatorConfig: Hashable, Sendable {
    /// The seed: the same seed (with the same other settings) plays the same games, event for event.
    public var seed: UInt64
    /// How many games to play at once.
    public var gameCount: Int
    /// Tip-off of every game, ms since the Unix epoch: events' `occurredAtMs` count from it,
    /// and the games' date is its US Eastern date.
    public var startTimeMs: Int64
    /// Wall-clock speed: 1 is real time; 24 plays the 48 game minutes in 2 wall minutes.
    public var speed: Double
    /// Whether dead time (free throws, timeouts, breaks between periods, a 15-minute halftime)
    /// also passes on the wall clock, at the same speed. Without it the wall clock follows the
    /// game clock only, so speed 24 plays a regulation game in exactly 2 minutes.
    public var includeStoppages: Bool
    /// The leagues the games are drawn from, in turn (game n of the slate is in league
    /// n mod count): leagues with seed teams only (``GameSimulator/leagues``). Empty: the NBA.
    public var leagueIDs: [String]

    /// Creates a configuration.
    public init(
        seed: UInt64, gameCount: Int = 1, startTimeMs: Int64, speed: Double = 1, includeStoppages: Bool = true,
        leagueIDs: [String] = ["nba"]
    ) {
        self.seed = seed
        self.gameCount = gameCount
        self.startTimeMs = startTimeMs
        self.speed = speed
        self.includeStoppages = includeStoppages
        self.leagueIDs = leagueIDs
    }

    /// The leagues games are drawn from, each with its seed teams; the NBA when none is named
    /// (or none named has seed teams).
    var leagueTeams: [SeedTeams] {
        let named = leagueIDs.compactMap(SeedTeams.forLeague)
        return named.isEmpty ? [SeedTeams.nba] : named
    }

    /// How many leagues take turns (at least one).
    public var leagueCount: Int { leagueTeams.count }
}

/// One simulated game: its record for the schedule service and its events on a timeline.
public struct SimulatedGame: Hashable, Sendable {
    /// The game (`sim-<yyyymmdd>-<seed>-<n>`, scheduled, at the home team's arena).
    public var game: Game
    /// Every event with its game time and wall offset from tip-off, in order. The first is a
    /// `statusChange` to live (tip-off), the last a `statusChange` to final.
    public var timeline: [TimedEvent]
    /// The state after the last event.
    public var finalState: GameState

    /// The events alone, in order.
    public var events: [Event] { timeline.map(\.event) }
}

/// A seedable basketball simulator: plays any number of games at once, each an independent,
/// replayable stream of believable events (see `GameEngine` for the model).
///
/// Game ids are `sim-<yyyymmdd>-<seed>-<n>` (n from 1) for a slate of NBA games alone, and
/// `sim-<yyyymmdd>-<seed>-<leagues>-<n>` for any other (`sim-20250614-20250614-nba-wnba-3`: a slate
/// of other leagues never reuses the id of another slate's game); source ids are `<gameId>-<k>`
/// (k from 1, in event order), so a restarted feed that replays the same seed on the same day
/// publishes the same ids, which the score service folds into the first copy.
public enum GameSimulator {
    /// The leagues the simulator can play: those Courtside has seed teams for.
    public static var leagues: [League] { SeedTeams.leagues.map(\.league) }

    /// What every game id of a slate starts with (see above): its date ("2025-06-14"), seed
    /// and leagues.
    public static func gameIdPrefix(date: String, config: SimulatorConfig) -> String {
        let leagueIDs = config.leagueTeams.map(\.league.id)
        let leagues = leagueIDs == [Leagues.nba.id] ? "" : leagueIDs.joined(separator: "-") + "-"
        return "sim-\(date.filter { $0 != "-" })-\(config.seed)-\(leagues)"
    }

    /// Plays `config.gameCount` games.
    public static func simulate(_ config: SimulatorConfig) -> [SimulatedGame] {
        (0..<max(0, config.gameCount)).map { simulateGame(index: $0, config: config) }
    }

    /// Plays game number `index` (from 0) of a configuration alone, identical to its copy in
    /// ``simulate(_:)``.
    public static func simulateGame(index: Int, config: SimulatorConfig) -> SimulatedGame {
        let game = scheduledGame(index: index, config: config)
        var seeds = SeededRandom(seed: config.seed, stream: UInt64(index) &+ 1)
        var engine = GameEngine(
            game: game,
            seed: seeds.next(),
            startTimeMs: config.startTimeMs,
            speed: config.speed,
            includeStoppages: config.includeStoppages
        )
        let finalState = engine.play()
        return SimulatedGame(game: game, timeline: engine.timeline, finalState: finalState)
    }

    /// The game record of game number `index`, before it is played: the leagues take turns
    /// (game n is in league n mod count), and each league's teams are drawn in rounds so that no
    /// team plays twice among any half-its-teams consecutive games of its league (15 in the NBA).
    /// A slate of the NBA alone plays the games it played before leagues were configurable.
    public static func scheduledGame(index: Int, config: SimulatorConfig) -> Game {
        let leagues = config.leagueTeams
        let leagueIndex = index % leagues.count
        let seeded = leagues[leagueIndex]
        let inLeague = index / leagues.count
        let teamsPerRound = seeded.all.count / 2
        let round = inLeague / teamsPerRound
        let stream = 0xC0FF_EE00 &+ UInt64(round) &+ UInt64(leagueIndex) &<< 32
        var random = SeededRandom(seed: config.seed, stream: stream)
        let order = random.shuffled(seeded.all)
        let slot = inLeague % teamsPerRound
        let home = order[2 * slot]
        let away = order[2 * slot + 1]
        let date = GameDate.of(utcMillis: config.startTimeMs)
        return Game(
            id: gameIdPrefix(date: date, config: config) + "\(index + 1)",
            homeTeamId: home.id,
            awayTeamId: away.id,
            startTimeMs: config.startTimeMs,
            date: date,
            venue: home.arena,
            status: .scheduled,
            // NBA games keep the empty league id they always had (read as the NBA everywhere).
            leagueId: seeded.league.id == Leagues.nba.id ? "" : seeded.league.id
        )
    }

    /// The events of several games on one timeline, ordered by wall offset (ties keep game order,
    /// and each game's own order is kept).
    public static func mergedTimeline(_ games: [SimulatedGame]) -> [TimedEvent] {
        var merged: [(offset: Int64, game: Int, index: Int, event: TimedEvent)] = []
        for (gameIndex, game) in games.enumerated() {
            for (index, event) in game.timeline.enumerated() {
                merged.append((event.wallOffsetMs, gameIndex, index, event))
            }
        }
        merged.sort { ($0.offset, $0.game, $0.index) < ($1.offset, $1.game, $1.index) }
        return merged.map(\.event)
    }
}
