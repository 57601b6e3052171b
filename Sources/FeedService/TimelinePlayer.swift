import CourtsideProto
import FeedSources

/// One game placed on the playback clock.
struct PlannedGame: Sendable {
    /// The game's record (upserted before its first event).
    var game: Game
    /// Its events with their wall offsets.
    var timeline: [TimedEvent]
    /// The next event to push (a resumed game starts after what the score service has).
    var next: Int
    /// Playback time (ms) at which the timeline's offset 0 falls.
    var anchorMs: Int64
    /// Whether events are stamped with playback time (simulated games) or keep the provider's
    /// `occurredAtMs` (replays).
    var restamp: Bool

    /// Whether every event was pushed.
    var isFinished: Bool { next >= timeline.count }

    /// When event `index` is due, in playback ms.
    func dueMs(_ index: Int) -> Int64 { anchorMs + timeline[index].wallOffsetMs }
}

/// Plays games' timelines into a sink: every event is pushed when it is due on the playback
/// clock, all events due at once in one batch (up to `maximumBatch`), in order of due time
/// (ties: the game planned first, then the game's own order). A game's record is pushed before
/// its first event. The clock stops while the sink waits for room.
struct TimelinePlayer {
    private struct Entry: Comparable {
        var dueMs: Int64
        var gameIndex: Int

        static func < (a: Entry, b: Entry) -> Bool {
            (a.dueMs, a.gameIndex) < (b.dueMs, b.gameIndex)
        }
    }

    private var games: [PlannedGame] = []
    private var queue = MinHeap<Entry>()
    private var pendingGames: [Game] = []
    /// Teams created from a provider's data, written with the pending games.
    private var pendingTeams: [Team] = []
    private(set) var clock: PlaybackClock
    private let sink: FeedSink
    private let maximumBatch: Int

    /// A player pushing into `sink` on `clock`.
    init(sink: FeedSink, clock: PlaybackClock, maximumBatch: Int = 1_000) {
        self.sink = sink
        self.clock = clock
        self.maximumBatch = max(1, maximumBatch)
    }

    /// Games not finished yet.
    var gamesInPlay: Int { queue.count }

    /// Plans a game. With `upsert`, its record is written to the schedule before its events,
    /// with `teams` (its teams created from a provider's data) before it.
    mutating func add(_ game: PlannedGame, upsert: Bool, teams: [Team] = []) {
        if upsert {
            pendingGames.append(game.game)
            pendingTeams += teams
        }
        guard !game.isFinished else { return }
        games.append(game)
        queue.insert(Entry(dueMs: game.dueMs(game.next), gameIndex: games.count - 1))
    }

    /// Waits for the next due event, then pushes everything due by then.
    /// - Returns: the games that ended with this push; nil when no game is left to play.
    mutating func step() async throws -> [PlannedGame]? {
        guard let first = queue.min else {
            if !pendingGames.isEmpty {
                try await push(FeedBatch(games: pendingGames, teams: pendingTeams))
                (pendingGames, pendingTeams) = ([], [])
            }
            return nil
        }
        try await clock.sleep(untilMs: first.dueMs)
        let now = clock.nowMs
        var batch = FeedBatch(games: pendingGames, teams: pendingTeams)
        (pendingGames, pendingTeams) = ([], [])
        var finished: [PlannedGame] = []
        while let top = queue.min, top.dueMs <= now, batch.events.count < maximumBatch {
            _ = queue.popMin()
            let index = top.gameIndex
            var event = games[index].timeline[games[index].next].event
            if games[index].restamp { event.occurredAtMs = clock.originEpochMs + top.dueMs }
            batch.events.append(event)
            games[index].next += 1
            if games[index].isFinished {
                finished.append(games[index])
                games[index].timeline = []
                games[index].next = 0
            } else {
                queue.insert(Entry(dueMs: games[index].dueMs(games[index].next), gameIndex: index))
            }
        }
        try await push(batch)
        return finished
    }

    private mutating func push(_ batch: FeedBatch) async throws {
        let waited = try await sink.push(batch)
        clock.pause(for: waited)
    }
}
