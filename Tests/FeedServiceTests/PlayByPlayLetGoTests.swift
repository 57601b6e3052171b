import CourtsideProto
import FeedSources
import ServiceKit
import Testing

@testable import FeedService

/// A followed game the scoreboard stops showing (it dropped off: ESPN's scoreboard rolls over to
/// the next day) is let go after a few scoreboards without it, instead of being polled forever.
@Suite struct PlayByPlayLetGoTests {
    @Test func aGameThatDropsOffTheScoreboardIsLetGo() async throws {
        let fetcher = ScriptedPlayByPlay()
        fetcher.serve(try PlayByPlayFixture.payload(Array(try PlayByPlayFixture.actions().prefix(120))))
        let poller = PlayByPlayPollerTests.poller(fetcher)
        let buffer = FeedBuffer(capacity: 100_000)
        let running = Task { try await poller.run(into: FeedSink(buffer: buffer, metrics: poller.metrics)) }
        defer { running.cancel() }
        let live = ScoreboardSnapshot(games: [try PlayByPlayFixture.liveEntry()])
        let without = ScoreboardSnapshot(games: [])
        poller.follow(live)
        try await PlayByPlayPollerTests.waitUntil("polls") { fetcher.counts.notModified >= 2 }

        // Missing from fewer scoreboards in a row than the limit: still followed, and shown
        // again, the count starts over.
        for _ in 1..<PlayByPlayPoller.scoreboardsWithoutGameBeforeLetGo { poller.follow(without) }
        #expect(poller.followedGameIds == ["nba-0022000001"])
        poller.follow(live)
        for _ in 1..<PlayByPlayPoller.scoreboardsWithoutGameBeforeLetGo { poller.follow(without) }
        #expect(poller.followedGameIds == ["nba-0022000001"], "the count did not start over when the game was shown again")
        let before = fetcher.counts.requests
        try await PlayByPlayPollerTests.waitUntil("more polls") { fetcher.counts.requests >= before + 3 }

        poller.follow(without)
        #expect(poller.followedGameIds.isEmpty, "a game the scoreboard no longer shows is still followed")
        // The polling loop lets it go at its next turn; then no request is made for it.
        try await Task.sleep(for: .milliseconds(100))
        let after = fetcher.counts.requests
        try await Task.sleep(for: .milliseconds(200))
        #expect(fetcher.counts.requests == after, "the game is still polled (\(fetcher.counts.requests - after) more requests)")
        // Live on the scoreboard again, it is followed again.
        poller.follow(live)
        #expect(poller.followedGameIds == ["nba-0022000001"])
    }
}
