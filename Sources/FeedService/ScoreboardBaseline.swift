import CourtsideProto
import FeedSources

/// The first snapshot to diff a scoreboard against after a (re)start: each game as the score
/// service has it, so that a restart publishes only what changed since, not a summary of every
/// game.
enum ScoreboardBaseline {
    /// The scoreboard's games at the states `stored` gives them; games the score service has no
    /// events of are left out (their first sighting is a new game).
    static func seed(_ scoreboard: ScoreboardSnapshot, from stored: [String: Snapshot]) -> ScoreboardSnapshot {
        ScoreboardSnapshot(
            games: scoreboard.games.compactMap { entry in
                guard let snapshot = stored[entry.game.id], (snapshot.position?.seq ?? 0) > 0, let state = snapshot.state else {
                    return nil
                }
                return ScoreboardGame(game: entry.game, state: state, periodEnded: periodEnded(state))
            }
        )
    }

    /// Whether a stored state is between periods: the clock ran out, or halftime, or final.
    static func periodEnded(_ state: GameState) -> Bool {
        switch state.status {
        case .halftime, .final: true
        case .live: state.period > 0 && state.clockMs == 0
        default: false
        }
    }
}
