import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

/// Several processes on one database (replicas on PostgreSQL, or processes sharing an SQLite
/// file): each sees the others' writes, and watchers hear about them through the change log.
@Suite struct ReplicaTests {
    @Test(arguments: [StoreKind.sqliteFile, .postgres])
    func watchersOnOneReplicaSeeTheWritesOfAnother(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let a = try await fixture.schedule()
        let b = try await fixture.schedule()
        let watcher = WatchRecorder()
        let task = watcher.watch(b, WatchGamesRequest())
        #expect(await eventually { b.hub.watcherCount == 1 })

        _ = try await a.upsert([makeGame("nba-1"), makeGame("nba-2")])
        _ = try await b.updateStatus(gameID: "nba-1", to: .live)
        _ = try await a.updateStatus(gameID: "nba-1", to: .final)
        #expect(await eventually { watcher.changes.count == 4 })
        #expect(watcher.changes.map { "\($0.game?.id ?? "")@\($0.game?.revision ?? 0)" } == ["nba-1@1", "nba-2@1", "nba-1@2", "nba-1@3"])

        // Each replica checks the state machine against the other's writes.
        let refused = await rpcError { _ = try await b.updateStatus(gameID: "nba-1", to: .live) }
        #expect(refused?.message == "game nba-1: cannot change status from final to live: a final game never changes status")

        b.closeWatchers()
        _ = await task.value
        await a.close()
        await b.close()
    }

    @Test(arguments: [StoreKind.sqliteFile, .postgres])
    func aWatcherThatMissedPrunedChangesIsEndedToCatchUp(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let a = try await fixture.schedule(changeLogLength: 5)
        // B reads the log only when woken by its own writes.
        let b = try await fixture.schedule(changePollInterval: .seconds(3600), changeLogLength: 5)
        let watcher = WatchRecorder()
        let task = watcher.watch(b, WatchGamesRequest())
        #expect(await eventually { b.hub.watcherCount == 1 })
        for index in 0..<4 {
            _ = try await a.upsert(makeGames(3, prefix: "a\(index)"))
        }
        _ = try await b.upsert([makeGame("from-b")])
        let ended = await task.value
        #expect(ended?.code == .unavailable)
        #expect(ended?.message == "the schedule lost track of changes; watch again with send_initial to catch up")
        // Watching again works, and the log reports how far it was pruned.
        let log = try await b.store.changes(after: 0, limit: 100)
        #expect(log.changes.count == 5)
        #expect(log.prunedThrough == 8)
        #expect(log.changes.map(\.sequence) == [9, 10, 11, 12, 13])
        await a.close()
        await b.close()
    }

    @Test(arguments: StoreKind.allCases)
    func theChangeLogHoldsEveryWriteInCommitOrder(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let before = try await schedule.store.latestChangeSequence()
        #expect(before == 0)
        _ = try await schedule.upsert([makeGame("x"), makeGame("y")])
        _ = try await schedule.upsert([makeGame("x")])  // unchanged: not logged
        _ = try await schedule.updateStatus(gameID: "y", to: .postponed)
        _ = await rpcError { _ = try await schedule.updateStatus(gameID: "y", to: .final) }  // refused: not logged
        let log = try await schedule.store.changes(after: 0, limit: 10)
        #expect(log.prunedThrough == 0)
        #expect(log.changes.map { "\($0.game.id)@\($0.game.revision)" } == ["x@1", "y@1", "y@2"])
        #expect(log.changes.map(\.sequence) == [1, 2, 3])
        #expect(try await schedule.store.latestChangeSequence() == 3)
        #expect(try await schedule.store.changes(after: 2, limit: 10).changes.map(\.game.id) == ["y"])
        #expect(try await schedule.store.changes(after: 0, limit: 1).changes.count == 1)
        await schedule.close()
    }
}
