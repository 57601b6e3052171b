import CourtsideProto
import FeedSources

/// One game the play-by-play poller follows: when to poll it next, the validators of its last
/// accepted payload, its backoff and what has been published of it.
struct FollowedGame {
    let gameId: String
    /// The provider's id of the game, as its play-by-play URL names it.
    let providerGameId: String
    /// The game as the scoreboard last showed it.
    var entry: ScoreboardGame
    var validators = CacheValidators()
    /// When the next poll is due.
    private(set) var due: ContinuousClock.Instant
    private var backoff: Backoff
    private let interval: Duration
    /// What the score service has of the game; nil until it was asked (at the first payload).
    var published: PublishedPlays?
    /// What the previous payload built, so that the next one reads only its new or changed plays.
    var playByPlay = IncrementalPlayByPlay()
    /// The glitches of the last payload read, logged and counted then (each poll rebuilds the
    /// game and meets them again; only those it has not logged are).
    var reportedGlitches: Set<String> = []
    /// Whether the scoreboard has shown the game final.
    private(set) var scoreboardFinal = false
    /// Polls made since the scoreboard showed the game final.
    private(set) var pollsSinceFinal = 0

    /// Polls after the scoreboard's final before the game is let go even if its play-by-play
    /// does not say final yet (a provider's play-by-play may lag behind its scoreboard).
    static let pollsAfterFinal = 3

    init(entry: ScoreboardGame, providerGameId: String, interval: Duration, now: ContinuousClock.Instant) {
        gameId = entry.game.id
        self.providerGameId = providerGameId
        self.entry = entry
        self.interval = interval
        due = now
        backoff = Backoff(initial: interval * 2, maximum: max(interval * 2, .seconds(120)))
    }

    /// The scoreboard shows the game final: poll at once, unconditionally (the play-by-play may
    /// be unchanged while the header that closes the game is new).
    mutating func markFinal(now: ContinuousClock.Instant) {
        guard !scoreboardFinal else { return }
        scoreboardFinal = true
        validators = CacheValidators()
        due = now
    }

    /// A poll got an answer (a new payload or a 304): the next one is an interval away.
    mutating func succeeded(now: ContinuousClock.Instant) {
        backoff.reset()
        due = now + interval
        if scoreboardFinal { pollsSinceFinal += 1 }
    }

    /// A poll failed or its payload was refused: the next one waits longer each time in a row,
    /// and at least `minimumWait` (a provider's `Retry-After`).
    mutating func failed(now: ContinuousClock.Instant, minimumWait: Duration? = nil) {
        due = now + max(backoff.next(), minimumWait ?? .zero)
        if scoreboardFinal { pollsSinceFinal += 1 }
    }

    /// Whether the game needs no more polls: final as published, or final on the scoreboard for
    /// a few polls already.
    var isDone: Bool {
        published?.state?.status == .final || (scoreboardFinal && pollsSinceFinal >= Self.pollsAfterFinal)
    }

    /// The header the game's play-by-play is read with (NBA, whose play-by-play has none): while
    /// live, only the status, since the scoreboard was taken at another moment than the plays and
    /// the plays carry the score; once final, the scoreboard's final state, which closes the game.
    var header: ScoreboardGame {
        guard entry.state.status != .final else { return entry }
        var header = entry
        header.game.status = entry.state.status
        header.state = GameState(status: entry.state.status)
        header.periodEnded = false
        return header
    }

    /// The provider's id within a Courtside game id (`nba-0022000001` → `0022000001`), when it
    /// can go into a URL as it is.
    static func providerGameId(of gameId: String) -> String? {
        guard let id = gameId.split(separator: "-").last, !id.isEmpty, id.count <= 64,
            id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        return String(id)
    }
}
