public import CourtsideProto

/// Where the schedule keeps teams and games. Two implementations behave the same and run the
/// same tests: ``SQLiteScheduleStore`` (the embedded default) and ``PostgresScheduleStore``.
///
/// Stores only keep data; the rules (validation, the status state machine, revisions) live in
/// ``Schedule``, which decides what to write inside ``modify(ids:_:)``. Ordering everywhere is
/// by start time, then id compared byte by byte (``GameKey``).
public protocol ScheduleStore: Sendable {
    /// All teams, ordered by id.
    func teams() async throws -> [Team]

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
    /// - Parameters:
    ///   - ids: the games `plan` needs to see.
    ///   - plan: gets the stored games by id (absent ones are missing) and returns the games to
    ///     insert or replace, and a result for the caller.
    func modify<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [Game], result: Result)
    ) async throws -> Result

    /// Releases the store's connections; the store is not used afterwards.
    func close() async
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
