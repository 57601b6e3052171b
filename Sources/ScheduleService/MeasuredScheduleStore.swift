public import CourtsideProto
internal import Prometheus

/// A store that records how long each operation of another store takes, in
/// `courtside_storage_seconds{operation=…}`.
public struct MeasuredScheduleStore: ScheduleStore {
    /// The store measured.
    public let base: any ScheduleStore
    private let metrics: ScheduleMetrics

    /// Wraps `base`.
    public init(_ base: any ScheduleStore, metrics: ScheduleMetrics) {
        self.base = base
        self.metrics = metrics
    }

    // MARK: ScheduleStore (documented on the protocol)

    public func teams() async throws -> [Team] {
        try await measure("list_teams") { try await base.teams() }
    }

    public func upsert(teams: [Team]) async throws {
        try await measure("upsert_teams") { try await base.upsert(teams: teams) }
    }

    public func game(id: String) async throws -> Game? {
        try await measure("get_game") { try await base.game(id: id) }
    }

    public func games(ids: [String]) async throws -> [Game] {
        try await measure("get_games") { try await base.games(ids: ids) }
    }

    public func games(matching filter: GameFilter, after key: GameKey?, limit: Int) async throws -> [Game] {
        try await measure("list_games") { try await base.games(matching: filter, after: key, limit: limit) }
    }

    public func gameCountsByStatus() async throws -> [GameStatus: Int] {
        try await measure("count_games") { try await base.gameCountsByStatus() }
    }

    public func modify<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [Game], result: Result)
    ) async throws -> Result {
        try await measure("write_games") { try await base.modify(ids: ids, plan) }
    }

    public func latestChangeSequence() async throws -> Int64 {
        try await measure("latest_change") { try await base.latestChangeSequence() }
    }

    public func changes(after sequence: Int64, limit: Int) async throws -> LoggedChanges {
        try await measure("read_changes") { try await base.changes(after: sequence, limit: limit) }
    }

    public func close() async {
        await base.close()
    }

    private func measure<T>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { metrics.storageLatency(operation).record(ContinuousClock.now - start) }
        return try await body()
    }
}
