import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import GRPCServiceKit
import ScoreService
import Testing

@Suite struct StreamEventsTests {
    /// A game with `count` events: the home score is the event's number.
    private func publishGame(_ score: ScoreServiceClient, _ gameId: String, count: Int) async throws -> [PublishResult] {
        var results: [PublishResult] = []
        for chunk in stride(from: 1, through: count, by: 100) {
            let events = (chunk..<min(chunk + 100, count + 1)).map { basket(gameId, $0, home: UInt32($0), away: 0) }
            results += try await score.publishEvents(PublishEventsRequest(events: events)).results
        }
        return results
    }

    @Test func resumingFromEveryPositionReturnsExactlyTheRestInOrder() async throws {
        let gameId = uniqueGameId()
        let server = try await RunningScoreServer.start(games: [game(gameId)])
        let results = try await publishGame(server.score, gameId, count: 500)
        let epoch = try #require(results.first?.position?.epoch)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for position in 0...500 {
                group.addTask {
                    let request = StreamEventsRequest(games: [
                        GameCursor(gameId: gameId, after: Position(epoch: epoch, seq: UInt64(position)))
                    ])
                    // The rest, plus one live event published below for the final positions.
                    let items = try await collect(server.score, request, count: 500 - position)
                    let seqs = items.compactMap { $0.event?.position?.seq }
                    #expect(items.allSatisfy { $0.event != nil }, "no snapshot when resuming within the kept history")
                    #expect(seqs == Array(stride(from: UInt64(position + 1), through: 500, by: 1)), "resume after \(position)")
                }
                if position % 50 == 49 { try await group.next() }
            }
            try await group.waitForAll()
        }
        await server.stop()
    }

    @Test func historyThenLiveWithoutGapOrDuplicate() async throws {
        let gameId = uniqueGameId()
        let server = try await RunningScoreServer.start(games: [game(gameId)])
        _ = try await publishGame(server.score, gameId, count: 50)
        let epoch = try #require(server.server.engine.head(gameId)?.epoch)
        // The stream's deadline spans the hundred publishes below, one call and commit each:
        // under the whole suite on two cores those took more than 20 s (seen in CI). It only
        // guards against a hang; what is checked is the order.
        let reader = Task {
            try await collect(
                server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: epoch, seq: 10))]), count: 140,
                timeout: .seconds(90))
        }
        // Publish while the subscriber catches up.
        for n in 51...150 {
            _ = try await server.score.publishEvents(PublishEventsRequest(events: [basket(gameId, n, home: UInt32(n), away: 0)]))
        }
        let seqs = try await reader.value.compactMap { $0.event?.position?.seq }
        #expect(seqs == Array(11...150))
        await server.stop()
    }

    @Test func withoutAPositionTheStreamStartsWithASnapshot() async throws {
        let gameId = uniqueGameId()
        let server = try await RunningScoreServer.start(games: [game(gameId)])
        _ = try await publishGame(server.score, gameId, count: 3)
        let items = try await collect(server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId)]), count: 1)
        #expect(items[0].reason == .initial)
        #expect(items[0].snapshot?.position?.seq == 3)
        #expect(items[0].snapshot?.state?.homeScore == 3)
        #expect(items[0].snapshot?.homeTeamId == "BOS")
        await server.stop()
    }

    @Test func anUnknownEpochOrTrimmedHistoryStartsWithAResetSnapshot() async throws {
        let gameId = uniqueGameId()
        let server = try await RunningScoreServer.start(games: [game(gameId)]) { $0.engine.historyLimit = 20 }
        _ = try await publishGame(server.score, gameId, count: 100)
        let head = try #require(server.server.engine.head(gameId))
        #expect(head.firstKeptSeq == 81)

        let stale = try await collect(
            server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: head.epoch, seq: 5))]), count: 1)
        #expect(stale[0].reason == .reset)
        #expect(stale[0].snapshot?.position?.seq == 100)

        let otherEpoch = try await collect(
            server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: head.epoch + 1, seq: 99))]),
            count: 1)
        #expect(otherEpoch[0].reason == .reset)

        let kept = try await collect(
            server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: head.epoch, seq: 80))]), count: 20)
        #expect(kept.compactMap { $0.event?.position?.seq } == Array(81...100))
        await server.stop()
    }

    @Test func allGamesFollowsGamesThatStartLater() async throws {
        let first = uniqueGameId("first")
        let later = uniqueGameId("later")
        let server = try await RunningScoreServer.start(games: [game(first), game(later)])
        _ = try await publishGame(server.score, first, count: 2)
        let reader = Task { try await collect(server.score, StreamEventsRequest(allGames: true), count: 3) }
        try await Task.sleep(for: .milliseconds(200))
        _ = try await server.score.publishEvents(PublishEventsRequest(events: [basket(later, 1, home: 2, away: 0)]))
        _ = try await server.score.publishEvents(PublishEventsRequest(events: [basket(first, 3, home: 3, away: 0)]))
        _ = try await server.score.publishEvents(PublishEventsRequest(events: [basket(later, 2, home: 4, away: 0)]))
        let events = try await reader.value.compactMap(\.event)
        #expect(events.map(\.gameId) == [later, first, later])
        #expect(events.map { $0.position?.seq } == [1, 3, 2])
        await server.stop()
    }

    @Test func aSlowSubscriberIsCutOffWithResumePositions() async throws {
        let gameId = uniqueGameId()
        let server = try await RunningScoreServer.start(games: [game(gameId)]) { $0.engine.subscriberQueueCapacity = 50 }
        _ = try await publishGame(server.score, gameId, count: 1)
        let epoch = try #require(server.server.engine.head(gameId)?.epoch)
        let outcome: RPCError? = try await server.score.streamEvents(
            StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: epoch, seq: 1))]),
            options: CallOptions(timeout: .seconds(30))
        ) { stream in
            var iterator = stream.makeAsyncIterator()
            // Stall while 30,000 events pile up: more than the HTTP/2 windows and buffers hold
            // (~1.3 MB, ~11,000 of these events) plus the subscriber's queue of 50.
            for batch in stride(from: 2, through: 30_001, by: 1000) {
                let events = (batch..<(batch + 1000)).map { basket(gameId, $0, home: UInt32($0), away: 0) }
                _ = try await server.score.publishEvents(PublishEventsRequest(events: events))
            }
            do {
                while try await iterator.next() != nil {}
                return nil
            } catch let error as RPCError {
                return error
            }
        }
        let error = try #require(outcome)
        #expect(error.code == .resourceExhausted)
        let cursors = try #require(SlowSubscriber.resumeCursors(in: error))
        #expect(cursors.cursors.first?.gameId == gameId)
        #expect((cursors.cursors.first?.after?.seq ?? 0) >= 1)
        // Other subscribers and publishers were not slowed: a fresh subscriber resumes fine.
        let resumed = try await collect(
            server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: cursors.cursors[0].after)]), count: 1)
        #expect(resumed[0].event?.position?.seq == (cursors.cursors[0].after?.seq ?? 0) + 1)
        await server.stop()
    }

    @Test func listEventsPagesBothWaysAndStaysStableUnderInserts() async throws {
        let gameId = uniqueGameId()
        let server = try await RunningScoreServer.start(games: [game(gameId)])
        _ = try await publishGame(server.score, gameId, count: 95)
        var seen: [UInt64] = []
        var token = ""
        var inserted = 95
        repeat {
            let page = try await server.score.listEvents(
                ListEventsRequest(gameId: gameId, pageSize: 10, pageToken: token, newestFirst: true))
            seen += page.events.compactMap { $0.position?.seq }
            token = page.nextPageToken
            // Inserts between pages do not shift what the next page returns.
            inserted += 1
            _ = try await server.score.publishEvents(
                PublishEventsRequest(events: [basket(gameId, inserted, home: UInt32(inserted), away: 0)]))
        } while !token.isEmpty
        #expect(seen == Array((1...95).reversed()))

        var forward: [UInt64] = []
        token = ""
        repeat {
            let page = try await server.score.listEvents(ListEventsRequest(gameId: gameId, pageSize: 25, pageToken: token))
            forward += page.events.compactMap { $0.position?.seq }
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(forward == Array(1...UInt64(inserted)))

        let before = try await server.score.listEvents(ListEventsRequest(gameId: gameId, pageSize: 5, newestFirst: true, beforeSeq: 50))
        #expect(before.events.compactMap { $0.position?.seq } == [49, 48, 47, 46, 45])

        await #expect(throws: RPCError.self) {
            _ = try await server.score.listEvents(ListEventsRequest(gameId: gameId, pageToken: "garbage"))
        }
        await #expect(throws: RPCError.self) {
            _ = try await server.score.listEvents(ListEventsRequest(gameId: "nope"))
        }
        await server.stop()
    }

    @Test func snapshotsOfGivenGamesAndOfAllLiveGames() async throws {
        let live = uniqueGameId("live")
        let quiet = uniqueGameId("quiet")
        let server = try await RunningScoreServer.start(games: [game(live), game(quiet)])
        _ = try await publishGame(server.score, live, count: 4)
        let given = try await server.score.getSnapshots(GetSnapshotsRequest(gameIds: [live, quiet]))
        #expect(given.snapshots.map(\.gameId) == [live, quiet])
        #expect(given.snapshots[0].position?.seq == 4)
        #expect(given.snapshots[1].position?.seq == 0)
        #expect(given.snapshots[1].state?.status == .scheduled)
        let allLive = try await server.score.getSnapshots(GetSnapshotsRequest())
        #expect(allLive.snapshots.map(\.gameId).contains(live))
        #expect(!allLive.snapshots.map(\.gameId).contains(quiet))
        // The game without events has its real epoch already: its first event continues it.
        let epoch = try #require(given.snapshots[1].position?.epoch)
        #expect(epoch != 0)
        let first = try await server.score.publishEvents(PublishEventsRequest(events: [basket(quiet, 1, home: 2, away: 0)]))
        #expect(first.results.first?.position == Position(epoch: epoch, seq: 1))
        await #expect(throws: RPCError.self) {
            _ = try await server.score.getSnapshots(GetSnapshotsRequest(gameIds: ["missing"]))
        }
        await server.stop()
    }

    @Test func clientStreamingPublishAndShutdownEndsStreams() async throws {
        let gameId = uniqueGameId()
        // A long grace period: the drain must end long before it because streams end at once.
        let server = try await RunningScoreServer.start(games: [game(gameId)]) { $0.shutdownGrace = .seconds(15) }
        let response = try await server.score.publishEventStream { writer in
            for n in stride(from: 1, through: 300, by: 30) {
                try await writer.write(PublishEventsRequest(events: (n..<(n + 30)).map { basket(gameId, $0, home: UInt32($0), away: 0) }))
            }
        }
        #expect(response.results.count == 300)
        #expect(response.results.last?.position?.seq == 300)

        // A live stream ends with UNAVAILABLE when the server drains, so its subscriber resumes elsewhere.
        let stream = Task {
            try await server.score.streamEvents(StreamEventsRequest(games: [GameCursor(gameId: gameId)])) { stream in
                for try await _ in stream {}
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        await server.stop()
        do {
            try await stream.value
            Issue.record("the stream must end with an error")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
        #expect(ContinuousClock.now - started < .seconds(6), "streams do not hold the drain until the grace period ends")
    }
}
