public import CourtsideProto

/// The durable part of a game's log, as the score service keeps it.
public struct StoredGame: Sendable, Hashable {
    public var gameId: String
    public var epoch: UInt64
    /// The last position assigned (0 when the log is empty).
    public var lastSeq: UInt64
    /// The oldest position still kept (history before it was trimmed); 1 when all is kept.
    public var firstKeptSeq: UInt64
    /// The state after `lastSeq`.
    public var state: GameState
    public var homeTeamId: String
    public var awayTeamId: String
    public var updatedAtMs: Int64

    public init(
        gameId: String, epoch: UInt64, lastSeq: UInt64, firstKeptSeq: UInt64, state: GameState,
        homeTeamId: String, awayTeamId: String, updatedAtMs: Int64
    ) {
        self.gameId = gameId
        self.epoch = epoch
        self.lastSeq = lastSeq
        self.firstKeptSeq = firstKeptSeq
        self.state = state
        self.homeTeamId = homeTeamId
        self.awayTeamId = awayTeamId
        self.updatedAtMs = updatedAtMs
    }

    /// The position of the last event (seq 0 when the log is empty).
    public var position: Position { Position(epoch: epoch, seq: lastSeq) }
}

/// Everything one group commit writes, in one transaction.
public struct ScoreCommit: Sendable {
    /// New events, each with its position set.
    public var events: [Event] = []
    /// The new head of every game the events touch (and of games created empty).
    public var games: [StoredGame] = []
    /// Per game: delete kept history before this position (retention).
    public var trims: [String: UInt64] = [:]

    public init() {}

    public var isEmpty: Bool { events.isEmpty && games.isEmpty && trims.isEmpty }
}

/// The score service's storage: one interface, two implementations (SQLite and PostgreSQL).
///
/// Writes come from one writer at a time (the engine's group commit); reads may run
/// concurrently with it.
public protocol ScoreStore: Sendable {
    /// Every game's head, at start-up.
    func loadGames() async throws -> [StoredGame]
    /// The positions of every source id ever published for a game (never trimmed).
    func loadSourceIds(gameId: String) async throws -> [String: UInt64]
    /// Writes a commit atomically: all of it or nothing.
    func commit(_ commit: ScoreCommit) async throws
    /// Kept events of a game with `seq > afterSeq`, oldest first, at most `limit`.
    func events(gameId: String, epoch: UInt64, afterSeq: UInt64, limit: Int) async throws -> [Event]
    /// Kept events of a game with `seq < beforeSeq`, newest first, at most `limit`.
    func eventsDescending(gameId: String, epoch: UInt64, beforeSeq: UInt64, limit: Int) async throws -> [Event]
    /// Releases connections.
    func close() async
}
