import CourtsideDomain
import CourtsideProto
import FeedSources
import Foundation
import Logging
import ServiceKit
import TestSupport
import Testing

@testable import FeedService

/// The play-by-play poller reads an ESPN summary in the league of the scoreboard that showed the
/// game: a WNBA game followed live gets its plays with WNBA teams (not NBA ones, and not refused
/// for an "unknown" Storm), and a summary of another league than the scoreboard's is refused.
@Suite struct PlayByPlayLeagueTests {
    /// The live ESPN capture (Tests/Fixtures/SOURCES.md) made a WNBA game: Liberty at home, Storm
    /// away, and no `header.league` (as the WNBA scoreboard fixture carries no `leagues`); its
    /// clocks cut to the WNBA's 10-minute quarters (a play in the first two minutes of an NBA
    /// quarter reads 10:00).
    static func wnbaSummary() throws -> [UInt8] {
        var root = try #require(try Fixtures.json(Fixtures.espnSummaryLive) as? [String: Any])
        var plays = try #require(root["plays"] as? [[String: Any]])
        for index in plays.indices {
            guard var clock = plays[index]["clock"] as? [String: Any], let text = clock["displayValue"] as? String,
                let ms = GameClock.parse(text), ms > PeriodRules.forLeague(Leagues.wnba.id).regulationPeriodMs
            else { continue }
            clock["displayValue"] = "10:00"
            plays[index]["clock"] = clock
        }
        root["plays"] = plays
        var header = try #require(root["header"] as? [String: Any])
        header["league"] = nil
        var competitions = try #require(header["competitions"] as? [[String: Any]])
        var competitors = try #require(competitions[0]["competitors"] as? [[String: Any]])
        for (index, names) in [["NY", "New York Liberty"], ["SEA", "Seattle Storm"]].enumerated() {
            var team = try #require(competitors[index]["team"] as? [String: Any])
            team["abbreviation"] = names[0]
            team["displayName"] = names[1]
            competitors[index]["team"] = team
        }
        competitions[0]["competitors"] = competitors
        header["competitions"] = competitions
        root["header"] = header
        return try Fixtures.encode(root)
    }

    /// The game as ESPN's WNBA scoreboard shows it while live.
    static func liveWNBAEntry() -> ScoreboardGame {
        ScoreboardGame(
            game: Game(
                id: "espn-401585135", homeTeamId: "wnba-NYL", awayTeamId: "wnba-SEA", startTimeMs: 0, date: "", venue: "",
                status: .live, leagueId: "wnba"),
            state: GameState(homeScore: 100, awayScore: 98, period: 4, clockMs: 400_000, clockRunning: true, status: .live)
        )
    }

    static func poller(_ fetcher: ScriptedPlayByPlay) -> PlayByPlayPoller {
        PlayByPlayPoller(
            kind: .espnScoreboard, fetcher: fetcher, interval: .milliseconds(5), concurrency: 2,
            metrics: FeedMetrics(ServiceMetrics(service: "feed-league-test"), source: .espnScoreboard),
            logger: .init(label: "pbp-league-test"), storedEvents: { _ in [] }
        )
    }

    @Test func aWNBAGameFollowedLiveGetsItsPlaysWithWNBATeams() async throws {
        let payload = try Self.wnbaSummary()
        let fetcher = ScriptedPlayByPlay()
        fetcher.serve(payload)
        let poller = Self.poller(fetcher)
        let buffer = FeedBuffer(capacity: 100_000)
        let running = Task { try await poller.run(into: FeedSink(buffer: buffer, metrics: poller.metrics)) }
        defer { running.cancel() }
        poller.follow(ScoreboardSnapshot(games: [Self.liveWNBAEntry()]))
        try await PlayByPlayPollerTests.waitUntil("a 304") { fetcher.counts.notModified >= 2 }
        let events = await PlayByPlayPollerTests.drain(buffer)
        let expected = try #require(ESPNSummaryAdapter.parse(payload, league: Leagues.wnba).value)
        #expect(!events.isEmpty, "the WNBA game's plays were refused")
        #expect(events == expected.events)
        #expect(Set(events.map(\.teamId).filter { !$0.isEmpty }) == ["wnba-NYL", "wnba-SEA"])
        #expect(events.last?.state?.status == .live)
    }

    @Test func aSummaryOfAnotherLeagueThanTheScoreboardsIsRefused() async throws {
        // The NBA capture (its header says "nba") for a game the WNBA scoreboard showed.
        let fetcher = ScriptedPlayByPlay()
        fetcher.serve(try Fixtures.bytes(Fixtures.espnSummaryLive))
        let poller = Self.poller(fetcher)
        let buffer = FeedBuffer(capacity: 100_000)
        let running = Task { try await poller.run(into: FeedSink(buffer: buffer, metrics: poller.metrics)) }
        defer { running.cancel() }
        poller.follow(ScoreboardSnapshot(games: [Self.liveWNBAEntry()]))
        try await PlayByPlayPollerTests.waitUntil("two refused payloads") { fetcher.counts.bodies >= 2 }
        #expect(await PlayByPlayPollerTests.drain(buffer).isEmpty, "an NBA game's plays were published for a WNBA game")
    }
}
