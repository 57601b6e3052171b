import CourtsideProto
import FeedSources

/// The simulator's games for one day: game number n of the slate is always the same game
/// (`GameSimulator.simulateGame(index:config:)`), and tip-offs are staggered.
///
/// The seed defaults to the slate's date (20250614), so every run of a day plays the same
/// games under the same ids (`sim-20250614-20250614-nba-wnba-1`, …, see ``GameSimulator``) and a
/// restart finds them again.
struct SimulatorSlate: Sendable {
    /// The configuration every game is simulated with.
    let config: SimulatorConfig
    /// The slate's date, "YYYY-MM-DD" (US Eastern).
    let date: String
    /// What every game id of the slate starts with.
    let idPrefix: String
    /// Time between two tip-offs, in ms of wall time.
    let staggerMs: Int64
    /// How many games are in play at once.
    let gamesAtOnce: Int

    /// The slate of the day of `settings.startTimeMs`, or of `nowMs` when that is nil.
    init(settings: SimulatorSettings, nowMs: Int64) {
        let reference = settings.startTimeMs ?? nowMs
        date = GameSimulator.scheduledGame(index: 0, config: SimulatorConfig(seed: 0, startTimeMs: reference)).date
        let seed = settings.seed ?? Self.seed(forDate: date)
        config = SimulatorConfig(
            seed: seed,
            gameCount: settings.games,
            startTimeMs: reference,
            speed: settings.speed,
            includeStoppages: settings.includeStoppages,
            leagueIDs: settings.leagues.map(\.id)
        )
        idPrefix = GameSimulator.gameIdPrefix(date: date, config: config)
        gamesAtOnce = max(1, settings.games)
        if let stagger = settings.stagger {
            staggerMs = max(0, PlaybackClock.milliseconds(stagger))
        } else {
            // About 40% of a game: with six games, the first (tipped off three staggers ago) is
            // over at start-up and the next (two staggers ago) still live. Games differ in length
            // (timeouts, overtime; a WNBA game plays 40 minutes to the NBA's 48), so the stagger
            // lies halfway between a third of the first game and half of the second.
            let first = config
            let lengths = (0..<2).map { GameSimulator.simulateGame(index: $0, config: first).timeline.last?.wallOffsetMs ?? 0 }
            staggerMs = (lengths[0] / 3 + lengths[1] / 2) / 2
        }
    }

    /// The default seed for a date: its digits ("2025-06-14" → 20250614).
    static func seed(forDate date: String) -> UInt64 {
        UInt64(date.filter(\.isNumber)) ?? 0
    }

    /// Game `index` (from 0) of the slate, played to its end.
    func game(_ index: Int) -> SimulatedGame {
        GameSimulator.simulateGame(index: index, config: config)
    }

    /// The slate index of a game id, nil for a game of another slate.
    func index(of gameId: String) -> Int? {
        guard gameId.hasPrefix(idPrefix), let number = Int(gameId.dropFirst(idPrefix.count)), number >= 1 else { return nil }
        return number - 1
    }

    /// When game `index` of a fresh slate tips off, relative to the start: the first games
    /// (up to three, at most half the slate) tipped off in the past, one stagger apart, so a
    /// newcomer sees finished and live games at once and the rest tip off over the next minutes.
    func freshTipOffOffsetMs(_ index: Int) -> Int64 {
        let past = min(3, gamesAtOnce / 2)
        return Int64(index - past) * staggerMs
    }
}
