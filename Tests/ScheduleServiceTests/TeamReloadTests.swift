import CourtsideProto
import ScheduleService
import ServiceKit
import Synchronization
import Testing

/// A store that counts its reads of the teams table.
final class TeamReadCountingStore: ScheduleStore {
    let base: any ScheduleStore
    private let reads = Mutex(0)

    init(_ base: any ScheduleStore) {
        self.base = base
    }

    /// How many times the teams were read.
    var teamReads: Int { reads.withLock { $0 } }

    func teams() async throws -> [Team] {
        reads.withLock { $0 += 1 }
        return try await base.teams()
    }

    func upsert(teams: [Team]) async throws { try await base.upsert(teams: teams) }
    func game(id: String) async throws -> Game? { try await base.game(id: id) }
    func games(ids: [String]) async throws -> [Game] { try await base.games(ids: ids) }
    func games(matching filter: GameFilter, after key: GameKey?, limit: Int) async throws -> [Game] {
        try await base.games(matching: filter, after: key, limit: limit)
    }
    func gameCountsByStatus() async throws -> [GameStatus: Int] { try await base.gameCountsByStatus() }
    func modify<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [Game], result: Result)
    ) async throws -> Result {
        try await base.modify(ids: ids, plan)
    }
    func latestChangeSequence() async throws -> Int64 { try await base.latestChangeSequence() }
    func changes(after sequence: Int64, limit: Int) async throws -> LoggedChanges {
        try await base.changes(after: sequence, limit: limit)
    }
    func close() async { await base.close() }
}

/// Reads anyone may send cannot make the schedule read its teams table over and over: a filter
/// naming unknown teams and `ListTeams` reload the teams at most once a second.
@Suite struct TeamReloadTests {
    @Test func unknownTeamsAndTeamListingsReloadTheTeamsAtMostOnceASecond() async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        defer { fixture.remove() }
        let store = TeamReadCountingStore(try await fixture.open())
        let schedule = try await Schedule(
            store: store, metrics: ScheduleMetrics(metrics: ServiceMetrics(service: "schedule-test")), logger: testLogger)
        let atStart = store.teamReads
        let start = ContinuousClock.now
        for index in 0..<500 {
            _ = try? await schedule.listGames(ListGamesRequest(teamIds: ["unknown-\(index)"]))
            #expect(try await schedule.listTeams(ListTeamsRequest()).teams == schedule.teams())
        }
        let seconds = Int((ContinuousClock.now - start).components.seconds)
        let reloads = store.teamReads - atStart
        #expect(reloads >= 1, "a request naming an unknown team reloads the teams")
        #expect(reloads <= 1 + seconds, "\(reloads) reloads in \(seconds) s")
        let stored = try await store.teams()
        #expect(try await schedule.listTeams(ListTeamsRequest()).teams == stored)
        await schedule.close()
    }
}
