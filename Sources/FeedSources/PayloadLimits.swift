/// How many of each thing a provider payload may list. Far above any real payload (a day has at
/// most 15 NBA games; a game with six overtimes about 1,000 plays), low enough that a hostile one
/// cannot make the feed publish or upsert without bound. A payload over a limit is refused whole.
enum PayloadLimits {
    /// Games on one scoreboard.
    static let games = 200
    /// Plays (actions, events) of one game's play-by-play.
    static let plays = 10_000
    /// Statistics of one Sportradar event (a shot and its assist, rebound, block…).
    static let statistics = 20
    /// Periods of one game.
    static let periods = Int(GameClock.maximumPeriod)
}
