import CourtsideProto
import FeedService
import FeedSources
import TestSupport
import Testing

/// When the score service is unavailable the feed buffers (bounded: the source pauses when the
/// buffer is full), is not ready, and publishes everything in order, once, when score is back.
@Suite(.serialized) struct OutageTests {
    func expectedNBAEvents() throws -> [Event] {
        try #require(
            NBAPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.nbaPlayByPlay), boxscore: try Fixtures.bytes(Fixtures.nbaBoxscore)).value
        ).events
    }

    func nbaReplay(speed: Double, buffer: Int) -> (inout FeedConfiguration) throws -> Void {
        { configuration in
            configuration.replay.file = try Fixtures.path(Fixtures.nbaPlayByPlay)
            configuration.replay.boxscore = try Fixtures.path(Fixtures.nbaBoxscore)
            configuration.replay.speed = speed
            configuration.bufferCapacity = buffer
            configuration.publishBatchSize = 50
        }
    }

    @Test func scoreStartsLate() async throws {
        let services = try await Services()
        let expected = try expectedNBAEvents()
        let feed = try services.feed(.nbaPlayByPlay, nbaReplay(speed: 1_000_000, buffer: 100))
        services.start(feed)
        do {
            // The buffer fills up to its capacity and the replay waits; nothing is dropped.
            try await waitFor("a full buffer") { feed.buffer.depth >= 90 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(feed.buffer.depth <= 100)
            #expect(!feed.isSourceFinished, "the source is paused, not finished")
            #expect(!feed.isScoreAvailable)
            #expect(metric(feed, "courtside_feed_buffer_full_total") >= 1)
            try await waitFor("a retry against the missing score service") { metric(feed, "courtside_feed_retries_total") >= 1 }

            try await services.startScore()
            try await services.waitUntilDelivered(feed)
            let stored = try await services.events(of: "nba-0022000001")
            #expect(stored.map(\.sourceId) == expected.map(\.sourceId), "every event once, in order")
            #expect(feed.isScoreAvailable)
            #expect(metric(feed, "courtside_feed_events_published_total") == Double(expected.count))
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }

    @Test func scoreRestartsMidGame() async throws {
        let services = try await Services(scoreInFile: true)
        try await services.startScore()
        let expected = try expectedNBAEvents()
        // About 4 s for the game: the score service goes away for a second in the middle.
        let feed = try services.feed(.nbaPlayByPlay, nbaReplay(speed: 2_200, buffer: 10_000))
        services.start(feed)
        do {
            try await waitFor("the replay to be under way") {
                (try await services.snapshots(["nba-0022000001"])["nba-0022000001"]?.position?.seq ?? 0) > 100
            }
            await services.stopScore()
            try await waitFor("events to buffer") { feed.buffer.depth > 20 && !feed.isScoreAvailable }
            try await Task.sleep(for: .seconds(1))
            try await services.startScore()
            try await services.waitUntilDelivered(feed)
            let stored = try await services.events(of: "nba-0022000001")
            #expect(stored.map(\.sourceId) == expected.map(\.sourceId), "every event once, in order")
            #expect(stored.map { $0.position?.seq ?? 0 } == Array(1...UInt64(stored.count)))
            #expect(metric(feed, "courtside_feed_events_published_total") == Double(expected.count))
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }
}
