import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Synchronization
import Testing

/// Collects what a watch sends, and lets a test hold the watch back (a slow client).
final class WatchRecorder: Sendable {
    private let received = Mutex<[GameChange]>([])
    private let gate = Mutex<[CheckedContinuation<Void, Never>]?>(nil)

    var changes: [GameChange] { received.withLock { $0 } }

    /// From now on `send` waits until `release()`.
    func hold() {
        gate.withLock { $0 = $0 ?? [] }
    }

    func release() {
        let waiters = gate.withLock { gate in
            defer { gate = nil }
            return gate ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    func send(_ change: GameChange) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let held = gate.withLock { gate -> Bool in
                guard gate != nil else { return false }
                gate?.append(continuation)
                return true
            }
            if !held { continuation.resume() }
        }
        received.withLock { $0.append(change) }
    }

    /// Runs `schedule.watch` in a task; the task's value is the error the watch ended with.
    func watch(_ schedule: Schedule, _ request: WatchGamesRequest) -> Task<RPCError?, Never> {
        Task {
            await rpcError { try await schedule.watch(request) { change in await self.send(change) } }
        }
    }
}

/// `WatchGames` over each store: changes in order, the initial listing, filters, slow watchers.
@Suite struct WatchGamesTests {
    @Test(arguments: StoreKind.allCases)
    func everyChangeArrivesInOrder(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert([makeGame("before")])
        let all = WatchRecorder()
        let one = WatchRecorder()
        let allTask = all.watch(schedule, WatchGamesRequest())
        let oneTask = one.watch(schedule, WatchGamesRequest(gameIds: ["nba-1"]))
        #expect(await eventually { schedule.hub.watcherCount == 2 })

        _ = try await schedule.upsert([makeGame("nba-1"), makeGame("nba-2")])
        _ = try await schedule.updateStatus(gameID: "nba-1", to: .live)
        _ = try await schedule.upsert([makeGame("nba-2")])  // unchanged: no change sent
        _ = try await schedule.upsert([makeGame("nba-2", venue: "elsewhere")])
        _ = await rpcError { _ = try await schedule.updateStatus(gameID: "nba-1", to: .scheduled) }  // refused: nothing sent
        _ = try await schedule.updateStatus(gameID: "nba-1", to: .final)

        #expect(await eventually { all.changes.count == 5 && one.changes.count == 3 })
        #expect(
            all.changes.map { "\($0.game?.id ?? "")@\($0.game?.revision ?? 0)" } == ["nba-1@1", "nba-2@1", "nba-1@2", "nba-2@2", "nba-1@3"])
        #expect(all.changes.allSatisfy { !$0.initial })
        #expect(one.changes.map { $0.game?.status } == [.scheduled, .live, .final])
        try await Task.sleep(for: .milliseconds(50))
        #expect(all.changes.count == 5, "nothing else")

        schedule.closeWatchers()
        #expect(await allTask.value?.code == .unavailable)
        #expect(await oneTask.value?.code == .unavailable)
        #expect(await rpcError { try await schedule.watch(WatchGamesRequest()) { _ in } }?.code == .unavailable)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func theInitialListingComesFirst(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        var limits = Schedule.Limits()
        limits.maximumPageSize = 7  // the listing of all games takes several pages
        let schedule = try await fixture.schedule(limits: limits)
        let games = try await schedule.upsert(makeGames(20))
        let all = WatchRecorder()
        let some = WatchRecorder()
        let allTask = all.watch(schedule, WatchGamesRequest(sendInitial: true))
        let someTask = some.watch(schedule, WatchGamesRequest(gameIds: ["g-00004", "g-00002", "missing"], sendInitial: true))
        #expect(await eventually { all.changes.count == 20 && some.changes.count == 2 })
        #expect(all.changes.map(\.game) == games.sorted { GameKey($0) < GameKey($1) }.map(Optional.some))
        #expect(all.changes.allSatisfy { $0.initial })
        #expect(some.changes.map { $0.game?.id } == ["g-00002", "g-00004"])

        _ = try await schedule.updateStatus(gameID: "g-00004", to: .live)
        _ = try await schedule.upsert([makeGame("missing")])
        #expect(await eventually { all.changes.count == 22 && some.changes.count == 4 })
        #expect(some.changes.suffix(2).map { "\($0.game?.id ?? "")@\($0.game?.revision ?? 0)" } == ["g-00004@2", "missing@1"])
        #expect(some.changes.suffix(2).allSatisfy { !$0.initial })
        schedule.closeWatchers()
        _ = await allTask.value
        _ = await someTask.value
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func aSlowWatcherIsEndedWithResourceExhaustedAndTheOthersGetEverything(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule(watchQueueCapacity: 16)
        let slow = WatchRecorder()
        let fast = WatchRecorder()
        slow.hold()
        let slowTask = slow.watch(schedule, WatchGamesRequest())
        let fastTask = fast.watch(schedule, WatchGamesRequest())
        #expect(await eventually { schedule.hub.watcherCount == 2 })
        for batch in 0..<10 {
            _ = try await schedule.upsert(makeGames(10, prefix: "b\(batch)"))
            #expect(await eventually { fast.changes.count == (batch + 1) * 10 })
        }
        #expect(schedule.hub.watcherCount == 1, "the slow watcher was dropped, the writes never waited for it")
        slow.release()
        let ended = await slowTask.value
        #expect(ended?.code == .resourceExhausted)
        #expect(slow.changes.count <= 1 + 16 + 10, "the change in hand, at most the capacity and one write more, then the end")
        #expect(fast.changes.count == 100)
        schedule.closeWatchers()
        #expect(await fastTask.value?.code == .unavailable)
        await schedule.close()
    }

    @Test func malformedWatchRequestsAreRefused() async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        let error = await rpcError { try await schedule.watch(WatchGamesRequest(gameIds: ["ok", ""])) { _ in } }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message == "game_ids[1]: must not be empty")
        #expect(schedule.hub.watcherCount == 0)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func aWatchOfSomeLeaguesGetsOnlyTheirGames(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert([
            makeGame("nba-1"), makeGame("wnba-1", home: "wnba-IND", away: "wnba-SEA", venue: "Gainbridge Fieldhouse"),
        ])
        let wnba = WatchRecorder()
        let wnbaTask = wnba.watch(schedule, WatchGamesRequest(sendInitial: true, leagueIds: ["wnba"]))
        // The initial listing (the WNBA's game only) has arrived: what follows are changes.
        #expect(await eventually { wnba.changes.count == 1 })
        _ = try await schedule.updateStatus(gameID: "nba-1", to: .live)
        _ = try await schedule.updateStatus(gameID: "wnba-1", to: .live)
        _ = try await schedule.upsert([makeGame("wnba-2", home: "wnba-SEA", away: "wnba-IND", venue: "Climate Pledge Arena")])
        #expect(await eventually { wnba.changes.count == 3 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(wnba.changes.map { "\($0.game?.id ?? "")\($0.initial ? "*" : "")" } == ["wnba-1*", "wnba-1", "wnba-2"])
        #expect(wnba.changes.allSatisfy { $0.game?.leagueId == "wnba" })
        wnbaTask.cancel()
        _ = await wnbaTask.value

        let unknown = await rpcError { try await schedule.watch(WatchGamesRequest(leagueIds: ["cba"])) { _ in } }
        #expect(unknown?.code == .notFound && unknown?.message.contains("league_ids[0]") == true)
        let tooMany = await rpcError {
            try await schedule.watch(WatchGamesRequest(leagueIds: Array(repeating: "nba", count: 21))) { _ in }
        }
        #expect(tooMany?.code == .invalidArgument)
        await schedule.close()
    }
}
