public import CourtsideProto

/// Where the schedule keeps teams and games. Two implementations behave the same and run the
/// same tests: ``SQLiteScheduleStore`` (the embedded default) and ``PostgresScheduleStore``.
///
/// Stores only keep data; the rules (validation, the status state machine, revisions) live in
/// ``Schedule``, which decides what to write inside ``modify(ids:_:)``. Ordering everywhere is
/// by start time, then id compared byte by byte (``GameKey``).
///
/// Every write is also logged, in commit order, in a change log that any process sharing the
/// database reads (``changes(after:limit:)``): that is how `WatchGames` on one replica sees the
/// writes made through another.
public protocol ScheduleStore: Sendable {
    /// All teams, ordered by id.
    func teams() async throws -> [Team]

    /// Inserts teams or refreshes their attributes (the teams a feed creates for a league
    /// without seed data). The caller has validated them.
    func upsert(teams: [Team]) async throws

    /// The game with this id, or nil.
    func game(id: String) async throws -> Game?

    /// The games with these ids that exist, ordered by ``GameKey``.
    func games(ids: [String]) async throws -> [Game]

    /// Up to `limit` games that match `filter` and come strictly after `key` (when given),
    /// ordered by ``GameKey``.
    func games(matching filter: GameFilter, after key: GameKey?, limit: Int) async throws -> [Game]

    /// How many games are in each status (statuses without games may be missing).
    func gameCountsByStatus() async throws -> [GameStatus: Int]

    /// Reads the stored games with these ids, asks `plan` what to write, and writes it, in one
    /// transaction. Calls of `modify` are serialised (on PostgreSQL across every process that
    /// uses the database), so `plan` sees the latest committed state and nothing changes under
    /// it. If `plan` throws, nothing is written and its error is rethrown as it is.
    ///
    /// Every game written is also appended to the change log (``changes(after:limit:)``) in the
    /// same transaction, and the log is pruned to its configured length.
    ///
    /// - Parameters:
    ///   - ids: the games `plan` needs to see.
    ///   - plan: gets the stored games by id (absent ones are missing) and returns the games to
    ///     insert or replace, and a result for the caller.
    func modify<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [Game], result: Result)
    ) async throws -> Result

    /// The sequence number of the newest change in the log (0 when there is none).
    func latestChangeSequence() async throws -> Int64

    /// Up to `limit` changes logged after `sequence`, in commit order (increasing sequence
    /// numbers, possibly with gaps), and how far the log has been pruned.
    func changes(after sequence: Int64, limit: Int) async throws -> LoggedChanges

    /// Releases the store's connections; the store is not used afterwards.
    func close() async
}

/// One game as a write left it, with its place in the change log.
public struct LoggedChange: Sendable, Hashable {
    /// The change's sequence number: increasing in commit order across every writer.
    public var sequence: Int64
    /// The game as written.
    public var game: Game

    /// A logged change.
    public init(sequence: Int64, game: Game) {
        self.sequence = sequence
        self.game = game
    }
}

/// A page of the change log.
public struct LoggedChanges: Sendable, Hashable {
    /// The changes, oldest first.
    public var changes: [LoggedChange]
    /// Changes up to this sequence number have been deleted: a reader that had not seen them
    /// has missed changes.
    public var prunedThrough: Int64

    /// A page of the log.
    public init(changes: [LoggedChange], prunedThrough: Int64) {
        self.changes = changes
        self.prunedThrough = prunedThrough
    }
}

/// A store that cannot do what was asked (a storage location of the wrong kind).
public struct ScheduleStoreError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// An error with this message.
    public init(_ description: String) {
        self.description = description
    }
}
