import CourtsideProto
import FeedSources
import Logging
import NIOHTTP1
import ServiceKit
import Synchronization
import Testing

@testable import FeedService

/// A provider's play-by-play served from memory, with an ETag per version (304 when the poller
/// sends the current one back), failures on demand, and counts of what it answered.
final class ScriptedPlayByPlay: PlayByPlayFetching {
    struct Counts {
        var requests = 0
        var bodies = 0
        var notModified = 0
        var failures = 0
        var inFlight = 0
        var mostInFlight = 0
    }

    private let state = Mutex<(payload: [UInt8], version: Int, failing: Bool, counts: Counts)>(([], 0, false, Counts()))

    /// Serves `payload` from now on (a new version).
    func serve(_ payload: [UInt8]) {
        state.withLock {
            $0.payload = payload
            $0.version += 1
        }
    }

    /// Makes every request fail (or succeed again).
    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

    var counts: Counts { state.withLock { $0.counts } }

    func fetch(providerGameId: String, validators: CacheValidators) async throws -> FetchOutcome {
        state.withLock {
            $0.counts.requests += 1
            $0.counts.inFlight += 1
            $0.counts.mostInFlight = max($0.counts.mostInFlight, $0.counts.inFlight)
        }
        try await Task.sleep(for: .milliseconds(2))
        return try state.withLock { state throws -> FetchOutcome in
            state.counts.inFlight -= 1
            if state.failing {
                state.counts.failures += 1
                throw HTTPScoreboardFetcher.Failed(description: "HTTP 503")
            }
            let etag = "\"\(providerGameId)-v\(state.version)\""
            if validators.etag == etag {
                state.counts.notModified += 1
                return .notModified
            }
            state.counts.bodies += 1
            return .body(state.payload, CacheValidators(etag: etag))
        }
    }
}

/// A play-by-play whose requests for one game never get an answer; other games are `otherwise`'s.
final class SilentFor: PlayByPlayFetching {
    let providerGameId: String
    let otherwise: ScriptedPlayByPlay
    /// Requests of the silent game waiting now.
    let waiting = Mutex(0)

    init(providerGameId: String, otherwise: ScriptedPlayByPlay) {
        self.providerGameId = providerGameId
        self.otherwise = otherwise
    }

    func fetch(providerGameId: String, validators: CacheValidators) async throws -> FetchOutcome {
        guard providerGameId == self.providerGameId else {
            return try await otherwise.fetch(providerGameId: providerGameId, validators: validators)
        }
        waiting.withLock { $0 += 1 }
        defer { waiting.withLock { $0 -= 1 } }
        try await Task.sleep(for: .seconds(3_600))
        throw CancellationError()
    }
}

/// The play-by-play poller: a game is followed from the scoreboard's tip-off to its final, its
/// new plays are published once, a 304 publishes nothing, and failures back off.
@Suite struct PlayByPlayPollerTests {
    static func poller(_ fetcher: ScriptedPlayByPlay, stored: [Event] = []) -> PlayByPlayPoller {
        PlayByPlayPoller(
            kind: .nbaScoreboard, fetcher: fetcher, interval: .milliseconds(5), concurrency: 2,
            metrics: FeedMetrics(ServiceMetrics(service: "feed-test"), source: .nbaScoreboard),
            logger: .init(label: "pbp-test"), storedEvents: { _ in stored }
        )
    }

    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Everything buffered so far.
    static func drain(_ buffer: FeedBuffer) async -> [Event] {
        var events: [Event] = []
        while buffer.depth > 0, let batches = await buffer.take(maxEvents: 100_000) {
            let taken = batches.flatMap(\.events)
            events += taken
            buffer.release(events: taken.count)
        }
        return events
    }

    @Test func aGameIsFollowedFromTipOffToFinalAndEachPlayIsPublishedOnce() async throws {
        let actions = try PlayByPlayFixture.actions()
        let fetcher = ScriptedPlayByPlay()
        let poller = Self.poller(fetcher)
        let buffer = FeedBuffer(capacity: 100_000)
        let sink = FeedSink(buffer: buffer, metrics: FeedMetrics(ServiceMetrics(service: "feed-sink-test"), source: .nbaScoreboard))
        let running = Task { try await poller.run(into: sink) }
        defer { running.cancel() }

        var scheduled = try PlayByPlayFixture.liveEntry()
        scheduled.game.status = .scheduled
        scheduled.state = GameState(status: .scheduled)
        #expect(poller.followed(in: ScoreboardSnapshot(games: [scheduled])).isEmpty)
        poller.follow(ScoreboardSnapshot(games: [scheduled]))
        #expect(poller.followedGameIds.isEmpty, "a scheduled game has no plays to poll")

        fetcher.serve(try PlayByPlayFixture.payload(Array(actions.prefix(120))))
        let live = ScoreboardSnapshot(games: [try PlayByPlayFixture.liveEntry()])
        #expect(poller.followed(in: live) == ["nba-0022000001"], "the scoreboard leaves a live game's events to its plays")
        poller.follow(live)
        try await Self.waitUntil("304s") { fetcher.counts.notModified >= 3 }
        #expect(fetcher.counts.bodies == 1, "unchanged play-by-play is answered 304 and not read again")
        var events = await Self.drain(buffer)
        let first = try PlayByPlayFixture.feed(
            try PlayByPlayFixture.payload(Array(actions.prefix(120))), entry: try PlayByPlayFixture.liveEntry())
        #expect(events == first.events)

        fetcher.serve(try PlayByPlayFixture.payload(Array(actions.prefix(300))))
        try await Self.waitUntil("the second version") { fetcher.counts.bodies >= 2 && fetcher.counts.notModified >= 5 }
        events += await Self.drain(buffer)

        fetcher.serve(try PlayByPlayFixture.payload(actions))
        poller.follow(ScoreboardSnapshot(games: [try PlayByPlayFixture.finalEntry()]))
        try await Self.waitUntil("the game let go after its final") { poller.followedGameIds.isEmpty }
        events += await Self.drain(buffer)
        let full = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(actions), entry: try PlayByPlayFixture.finalEntry())
        #expect(events.map(\.sourceId) == full.events.map(\.sourceId), "every play once, as a replay of the whole file")
        #expect(events.last?.state?.status == .final)

        let requests = fetcher.counts.requests
        try await Task.sleep(for: .milliseconds(50))
        #expect(fetcher.counts.requests == requests, "a final game is not polled any more")
    }

    @Test func aRestartedPollerPublishesOnlyWhatTheScoreServiceLacks() async throws {
        let actions = try PlayByPlayFixture.actions()
        let live = try PlayByPlayFixture.liveEntry()
        let stored = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(Array(actions.prefix(200))), entry: live).events
        let fetcher = ScriptedPlayByPlay()
        fetcher.serve(try PlayByPlayFixture.payload(Array(actions.prefix(260))))
        let poller = Self.poller(fetcher, stored: stored)
        let buffer = FeedBuffer(capacity: 100_000)
        let running = Task { try await poller.run(into: FeedSink(buffer: buffer, metrics: poller.metrics)) }
        defer { running.cancel() }
        poller.follow(ScoreboardSnapshot(games: [live]))
        try await Self.waitUntil("a 304") { fetcher.counts.notModified >= 1 }
        let events = await Self.drain(buffer)
        let whole = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(Array(actions.prefix(260))), entry: live).events
        #expect(events == Array(whole.dropFirst(stored.count)))
    }

    @Test func aGameWhoseProviderNeverAnswersDelaysNoOtherGamesPlays() async throws {
        let actions = try PlayByPlayFixture.actions()
        let answering = ScriptedPlayByPlay()
        answering.serve(try PlayByPlayFixture.payload(Array(actions.prefix(120))))
        let fetcher = SilentFor(providerGameId: "0022000002", otherwise: answering)
        let poller = PlayByPlayPoller(
            kind: .nbaScoreboard, fetcher: fetcher, interval: .milliseconds(5), concurrency: 2,
            metrics: FeedMetrics(ServiceMetrics(service: "feed-test"), source: .nbaScoreboard),
            logger: .init(label: "pbp-test"), storedEvents: { _ in [] }
        )
        let buffer = FeedBuffer(capacity: 100_000)
        let running = Task { try await poller.run(into: FeedSink(buffer: buffer, metrics: poller.metrics)) }
        defer { running.cancel() }
        let live = try PlayByPlayFixture.liveEntry()
        var silent = live
        silent.game.id = "nba-0022000002"
        poller.follow(ScoreboardSnapshot(games: [silent, live]))
        try await Self.waitUntil("the silent game's request") { fetcher.waiting.withLock { $0 } >= 1 }
        try await Self.waitUntil("the answering game's body") { answering.counts.bodies >= 1 && buffer.depth > 0 }
        let events = await Self.drain(buffer)
        let first = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(Array(actions.prefix(120))), entry: live)
        #expect(events == first.events, "the answering game's plays are published while the other game's request hangs")
    }

    @Test func aPlayByPlayRequestIsTriedOnceAndTheServersRetryAfterDelaysTheGame() async throws {
        let server = try await ScriptedHTTPServer(
            script: [ScriptedHTTPServer.Reply(status: .serviceUnavailable, headers: [("Retry-After", "7")])],
            afterwards: ScriptedHTTPServer.Reply(status: .serviceUnavailable)
        )
        var settings = PlayByPlayPollingSettings()
        settings.urlTemplate = server.url + "?game=\(PlayByPlayPollingSettings.placeholder)"
        let fetcher = HTTPPlayByPlayFetcher(
            client: HTTPClient(), settings: settings, polling: PollingSettings(),
            metrics: FeedMetrics(ServiceMetrics(service: "feed-test"), source: .nbaScoreboard), logger: .init(label: "pbp-test")
        )
        var retryAfter: Duration?
        do {
            _ = try await fetcher.fetch(providerGameId: "0022000001", validators: CacheValidators())
            Issue.record("a 503 was taken for a play-by-play")
        } catch let failed as HTTPScoreboardFetcher.Failed {
            retryAfter = failed.retryAfter
        }
        #expect(server.requests.count == 1, "one attempt per poll: the game's own backoff retries")
        #expect(retryAfter == .seconds(7))
        await server.stop()

        let start = ContinuousClock.now
        var game = FollowedGame(entry: try PlayByPlayFixture.liveEntry(), providerGameId: "0022000001", interval: .seconds(1), now: start)
        game.failed(now: start, minimumWait: retryAfter)
        #expect(game.due - start == .seconds(7), "the server's wait is longer than the backoff's")
        game.failed(now: start, minimumWait: .seconds(1))
        #expect(game.due - start >= .seconds(3.2), "the backoff's wait is longer than the server's")
    }

    @Test func failuresBackOffPerGameAndASuccessResetsTheWait() throws {
        let start = ContinuousClock.now
        var game = FollowedGame(entry: try PlayByPlayFixture.liveEntry(), providerGameId: "0022000001", interval: .seconds(1), now: start)
        #expect(game.due == start)
        var waits: [Duration] = []
        for _ in 0..<5 {
            game.failed(now: start)
            waits.append(game.due - start)
        }
        for (index, wait) in waits.enumerated() {
            let expected = Double(min(2 << index, 120))
            #expect(wait >= .seconds(expected * 0.8) && wait <= .seconds(expected * 1.2), "wait \(index + 1): \(wait)")
        }
        game.succeeded(now: start)
        #expect(game.due - start == .seconds(1))
        game.failed(now: start)
        #expect(game.due - start <= .seconds(2.4), "the backoff starts over after a success")
    }

    @Test func theFinalIsAskedForUnconditionallyAndTheGameLetGoAfterAFewPolls() throws {
        let now = ContinuousClock.now
        var game = FollowedGame(entry: try PlayByPlayFixture.liveEntry(), providerGameId: "0022000001", interval: .seconds(1), now: now)
        game.validators = CacheValidators(etag: "\"v1\"")
        game.succeeded(now: now)
        game.markFinal(now: now)
        #expect(game.validators == CacheValidators() && game.due == now)
        #expect(!game.isDone)
        for _ in 0..<FollowedGame.pollsAfterFinal { game.succeeded(now: now) }
        #expect(game.isDone, "a play-by-play that never says final is let go")
        #expect(FollowedGame.providerGameId(of: "nba-0022000001") == "0022000001")
        #expect(FollowedGame.providerGameId(of: "espn-401585135") == "401585135")
        #expect(FollowedGame.providerGameId(of: "nba-00220/../x") == nil)
    }
}
