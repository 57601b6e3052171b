import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import GRPCHealth
import GRPCServiceKit
import HTTP2Transport
import Logging
import ScheduleService
import ServiceKit
import ServiceLifecycle
import Storage
import Synchronization
import Testing

/// The whole service in-process on ephemeral loopback ports, driven through `ScheduleServiceClient`.
struct RunningScheduleServer {
    let server: ScheduleServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let client: GRPCClient
    var schedule: ScheduleServiceClient { ScheduleServiceClient(client) }

    static func start(_ configure: (inout ScheduleServerConfiguration) -> Void = { _ in }) async throws -> RunningScheduleServer {
        var configuration = ScheduleServerConfiguration()
        configuration.grpcPort = 0
        configuration.admin.port = 0
        configuration.storage = .sqliteMemory
        configuration.shutdownGrace = .seconds(5)
        configure(&configuration)
        let server = try await ScheduleServer.build(configuration: configuration, logger: testLogger)
        let group = ServiceGroup(services: server.services, logger: testLogger)
        let task = Task { try await group.run() }
        guard await eventually({ server.grpcPort != nil && server.adminPort != nil }), let port = server.grpcPort else {
            task.cancel()
            throw RPCError(.unavailable, "the server did not start listening")
        }
        return RunningScheduleServer(server: server, group: group, task: task, client: GRPCClient(host: "127.0.0.1", port: port))
    }

    func client(streamWindow: Int32) -> GRPCClient {
        var configuration = GRPCClient.Configuration(host: "127.0.0.1", port: server.grpcPort ?? 0)
        configuration.http2.initialStreamWindowSize = streamWindow
        return GRPCClient(configuration: configuration)
    }

    func stop() async throws {
        client.close()
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

@Suite struct ScheduleServerTests {
    @Test func everyRPCWorksOverGRPC() async throws {
        let running = try await RunningScheduleServer.start()
        let schedule = running.schedule

        let teams = try await schedule.listTeams(ListTeamsRequest())
        #expect(teams.teams == SeedTeams.messages)

        let upserted = try await schedule.upsertGames(UpsertGamesRequest(games: makeGames(45)))
        #expect(upserted.games.count == 45)
        #expect(upserted.games.allSatisfy { $0.revision == 1 })

        var pages: [[Game]] = []
        var request = ListGamesRequest(pageSize: 20)
        repeat {
            let page = try await schedule.listGames(request)
            pages.append(page.games)
            request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
        #expect(pages.map(\.count) == [20, 20, 5])
        #expect(pages.flatMap { $0 } == upserted.games.sorted { GameKey($0) < GameKey($1) })

        let game = try await schedule.getGame(GetGameRequest(gameId: "g-00007"))
        #expect(game == upserted.games[7])

        _ = try await schedule.updateGameStatus(UpdateGameStatusRequest(gameId: "g-00007", status: .live))
        let final = try await schedule.updateGameStatus(UpdateGameStatusRequest(gameId: "g-00007", status: .final))
        #expect(final.status == .final)
        #expect(final.revision == 3)

        let refused = await rpcError {
            _ = try await schedule.updateGameStatus(UpdateGameStatusRequest(gameId: "g-00007", status: .scheduled))
        }
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.message == "game g-00007: cannot change status from final to scheduled: a final game never changes status")

        let invalid = await rpcError { _ = try await schedule.upsertGames(UpsertGamesRequest(games: [makeGame("x", date: "2025-10-32")])) }
        #expect(invalid?.code == .invalidArgument)
        #expect(invalid?.message == "games[0] (id \"x\"): date: \"2025-10-32\" is not a calendar date written YYYY-MM-DD")

        let missing = await rpcError { _ = try await schedule.getGame(GetGameRequest(gameId: "nope")) }
        #expect(missing?.code == .notFound)

        let badToken = await rpcError { _ = try await schedule.listGames(ListGamesRequest(pageToken: "%%%")) }
        #expect(badToken?.code == .invalidArgument)

        let health = try await HealthClient(running.client).check(HealthCheckRequest(service: ScheduleServiceMethods.serviceName))
        #expect(health.status == .serving)
        #expect(try await HealthClient(running.client).check(HealthCheckRequest()).status == .serving)

        let metrics = String(decoding: running.server.metrics.render(), as: UTF8.self)
        for line in [
            #"courtside_schedule_games{status="final"} 1.0"#,
            #"courtside_schedule_games{status="scheduled"} 44.0"#,
            #"courtside_schedule_games{status="live"} 0.0"#,
            #"courtside_schedule_upserted_games_total{result="created"} 45"#,
            #"courtside_schedule_status_changes_total{from="live",to="final"} 1"#,
            #"courtside_schedule_rejected_requests_total{method="UpdateGameStatus",code="FAILED_PRECONDITION"} 1"#,
            #"courtside_schedule_rejected_requests_total{method="UpsertGames",code="INVALID_ARGUMENT"} 1"#,
            #"courtside_schedule_rejected_requests_total{method="GetGame",code="NOT_FOUND"} 1"#,
            #"courtside_schedule_watchers 0.0"#,
        ] {
            #expect(metrics.contains(line + "\n"), "metrics have \(line)")
        }
        #expect(metrics.contains(#"courtside_storage_seconds_count{operation="write_games"}"#))
        #expect(metrics.contains(#"courtside_grpc_server_calls_total{method="/courtside.v1.ScheduleService/ListGames",code="OK"} 3"#))
        try await running.stop()
    }

    @Test func watchGamesStreamsTheInitialGamesThenChanges() async throws {
        let running = try await RunningScheduleServer.start()
        _ = try await running.schedule.upsertGames(UpsertGamesRequest(games: makeGames(3)))
        let received = Mutex<[GameChange]>([])
        let watcher = Task {
            try await running.schedule.watchGames(WatchGamesRequest(sendInitial: true)) { changes in
                for try await change in changes {
                    let count = received.withLock {
                        $0.append(change)
                        return $0.count
                    }
                    if count == 5 { return }
                }
            }
        }
        #expect(await eventually { received.withLock { $0.count } == 3 })
        _ = try await running.schedule.updateGameStatus(UpdateGameStatusRequest(gameId: "g-00001", status: .postponed))
        _ = try await running.schedule.upsertGames(UpsertGamesRequest(games: [makeGame("late")]))
        try await watcher.value
        let changes = received.withLock { $0 }
        #expect(changes.map(\.initial) == [true, true, true, false, false])
        #expect(changes.map { $0.game?.id ?? "" } == ["g-00000", "g-00001", "g-00002", "g-00001", "late"])
        #expect(changes[3].game?.status == .postponed)
        #expect(await eventually { running.server.schedule.hub.watcherCount == 0 }, "leaving the stream ends the watch")
        try await running.stop()
    }

    @Test func aWatcherThatStopsReadingIsEndedWithResourceExhausted() async throws {
        let running = try await RunningScheduleServer.start { $0.watchQueueCapacity = 1000 }
        // A small flow-control window, so that the transport's buffers fill quickly.
        let slowClient = running.client(streamWindow: 16 << 10)
        let stalled = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let firstSeen = Mutex(false)
        let slow = Task {
            await rpcError {
                try await ScheduleServiceClient(slowClient).watchGames(WatchGamesRequest()) { changes in
                    var iterator = changes.makeAsyncIterator()
                    _ = try await iterator.next()
                    firstSeen.withLock { $0 = true }
                    // Stop reading until the test says so.
                    await withCheckedContinuation { continuation in stalled.withLock { $0 = continuation } }
                    while try await iterator.next() != nil {}
                }
            }
        }
        let fastCount = Atomic(0)
        let fast = Task {
            await rpcError {
                try await running.schedule.watchGames(WatchGamesRequest()) { changes in
                    for try await _ in changes { fastCount.add(1, ordering: .relaxed) }
                }
            }
        }
        #expect(await eventually { running.server.schedule.hub.watcherCount == 2 })
        _ = try await running.schedule.upsertGames(UpsertGamesRequest(games: [makeGame("first")]))
        #expect(await eventually { firstSeen.withLock { $0 } })

        let venue = String(repeating: "v", count: 180)
        var sent = 1
        for batch in 0..<20 where running.server.schedule.hub.watcherCount == 2 {
            let games = makeGames(500, prefix: "b\(batch)").map { game in
                var game = game
                game.venue = venue
                return game
            }
            _ = try await running.schedule.upsertGames(UpsertGamesRequest(games: games))
            sent += games.count
            #expect(await eventually { fastCount.load(ordering: .relaxed) == sent }, "the reading watcher keeps up")
        }
        #expect(running.server.schedule.hub.watcherCount == 1, "the stalled watcher was dropped")
        #expect(await eventually { fastCount.load(ordering: .relaxed) == sent }, "the other watcher got every change")
        stalled.withLock { $0 }?.resume()
        let slowEnd = await slow.value
        #expect(slowEnd?.code == .resourceExhausted)
        #expect(slowEnd?.message.hasPrefix("watcher fell behind") == true)
        let metrics = String(decoding: running.server.metrics.render(), as: UTF8.self)
        #expect(metrics.contains(#"courtside_schedule_watchers_ended_total{reason="slow"} 1"# + "\n"))
        slowClient.close()
        try await running.stop()
        #expect(await fast.value?.code == .unavailable, "shutdown ends the remaining watcher")
    }

    @Test func gracefulShutdownEndsWatchersAndFinishesQuickly() async throws {
        let running = try await RunningScheduleServer.start { $0.shutdownGrace = .seconds(30) }
        let watcher = Task {
            await rpcError {
                try await running.schedule.watchGames(WatchGamesRequest()) { changes in
                    for try await _ in changes {}
                }
            }
        }
        #expect(await eventually { running.server.schedule.hub.watcherCount == 1 })
        let started = ContinuousClock.now
        await running.group.triggerGracefulShutdown()
        let ended = await watcher.value
        #expect(ended?.code == .unavailable)
        #expect(ended?.message == "the schedule service is shutting down; watch again to continue")
        try await running.task.value
        #expect(ContinuousClock.now - started < .seconds(10), "an open watch does not hold the drain for the grace period")
        #expect(running.server.health.status(forService: ScheduleServiceMethods.serviceName) == .notServing)
        #expect(running.server.readiness.notReadyReason() == "draining")
        running.client.close()
    }

    @Test func seedGamesAreLoadedAtStartUp() async throws {
        let running = try await RunningScheduleServer.start { $0.seedGames = makeGames(4) }
        let listing = try await running.schedule.listGames(ListGamesRequest())
        #expect(listing.games.map(\.id) == ["g-00000", "g-00001", "g-00002", "g-00003"])
        try await running.stop()
    }

    @Test func anInvalidSeedGameStopsTheStart() async throws {
        var configuration = ScheduleServerConfiguration()
        configuration.storage = .sqliteMemory
        configuration.seedGames = [makeGame("x", home: "QQQ")]
        await #expect(throws: RPCError.self) { _ = try await ScheduleServer.build(configuration: configuration, logger: testLogger) }
    }
}
