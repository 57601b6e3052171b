import CourtsideDomain
import CourtsideProto
import FeedService
import FeedSources
import Foundation
import TestSupport
import Testing

/// Each shared full-game fixture, replayed at high speed through real schedule and score
/// services, ends where the provider's own data says, with one stored scoring event per scoring
/// play of the provider.
@Suite(.serialized) struct ReplayTests {
    struct Expected {
        var gameId: String
        var state: GameState
        var scoringPlays: Int
    }

    /// Replays a fixture and checks the stored game against `expected`.
    func replay(_ kind: FeedSourceKind, file: String, boxscore: String = "", expected: Expected) async throws {
        let services = try await Services()
        try await services.startScore()
        let feed = try services.feed(kind) { configuration in
            configuration.replay.file = try Fixtures.path(file)
            if !boxscore.isEmpty { configuration.replay.boxscore = try Fixtures.path(boxscore) }
            configuration.replay.speed = 1_000_000
        }
        services.start(feed)
        do {
            try await services.waitUntilDelivered(feed)
            let snapshot = try #require(try await services.snapshots([expected.gameId])[expected.gameId])
            #expect(snapshot.state?.homeScore == expected.state.homeScore)
            #expect(snapshot.state?.awayScore == expected.state.awayScore)
            #expect(snapshot.state?.period == expected.state.period)
            #expect(snapshot.state?.status == expected.state.status)
            let stored = try await services.events(of: expected.gameId)
            let scoring = stored.filter { $0.points > 0 }
            #expect(scoring.count == expected.scoringPlays)
            #expect(scoring.reduce(0) { $0 + Int($1.points) } == Int(expected.state.homeScore + expected.state.awayScore))
            #expect(stored.map { $0.position?.seq ?? 0 } == Array(1...UInt64(stored.count)))
            #expect(Set(stored.map(\.sourceId)).count == stored.count)
            #expect(metric(feed, "courtside_feed_events_published_total") == Double(stored.count))
            #expect(metric(feed, "courtside_feed_events_refused_total") == 0)
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }

    @Test func nbaPlayByPlayWithBoxscore() async throws {
        // Counted in the raw JSON: made 2pt, 3pt and free throws.
        let raw = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? [String: Any])
        let actions = try #require((raw["game"] as? [String: Any])?["actions"] as? [[String: Any]])
        let made = actions.filter {
            ["2pt", "3pt", "freethrow"].contains($0["actionType"] as? String) && ($0["shotResult"] as? String) == "Made"
        }
        #expect(made.count == 120)
        try await replay(
            .nbaPlayByPlay, file: Fixtures.nbaPlayByPlay, boxscore: Fixtures.nbaBoxscore,
            expected: Expected(
                gameId: "nba-0022000001",
                state: GameState(homeScore: 125, awayScore: 99, period: 4, status: .final),
                scoringPlays: made.count
            )
        )
    }

    @Test func espnSummary() async throws {
        let raw = try #require(try Fixtures.json(Fixtures.espnSummary) as? [String: Any])
        let plays = try #require(raw["plays"] as? [[String: Any]])
        let scoringPlays = plays.filter { ($0["scoringPlay"] as? Bool) == true }
        #expect(scoringPlays.count == 133)
        // The header's final score, read from the raw JSON.
        let competition = try #require(((raw["header"] as? [String: Any])?["competitions"] as? [[String: Any]])?.first)
        var score: [String: UInt32] = [:]
        for competitor in competition["competitors"] as? [[String: Any]] ?? [] {
            score[competitor["homeAway"] as? String ?? ""] = UInt32(competitor["score"] as? String ?? "")
        }
        try await replay(
            .espnSummary, file: Fixtures.espnSummary,
            expected: Expected(
                gameId: "espn-401585135",
                state: GameState(homeScore: try #require(score["home"]), awayScore: try #require(score["away"]), period: 4, status: .final),
                scoringPlays: scoringPlays.count
            )
        )
    }

    @Test func sportradarPlayByPlay() async throws {
        let raw = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? [String: Any])
        let events = (raw["periods"] as? [[String: Any]] ?? []).flatMap { $0["events"] as? [[String: Any]] ?? [] }
        let scoring = events.filter { event in
            (event["statistics"] as? [[String: Any]] ?? []).contains { ($0["points"] as? Int ?? 0) > 0 }
        }
        #expect(scoring.count == 116)
        let home = try #require((raw["home"] as? [String: Any])?["points"] as? Int)
        let away = try #require((raw["away"] as? [String: Any])?["points"] as? Int)
        try await replay(
            .sportradarPlayByPlay, file: Fixtures.sportradarFullGame,
            expected: Expected(
                gameId: "sr-0b33d607-fc51-4ef0-b06a-111064074ca9",
                state: GameState(homeScore: UInt32(home), awayScore: UInt32(away), period: 4, status: .final),
                scoringPlays: scoring.count
            )
        )
    }

    /// The real Sportradar game made a WNBA one (``WNBAFixtures/sportradar(editing:)``): Sportradar
    /// payloads do not name their league, so `--league wnba` has it read with the WNBA's teams and
    /// 10-minute quarters (left unset, the league is nil and the game is read as an NBA one, as before).
    @Test func aSportradarWNBAGameIsReplayedInTheLeagueTheSettingNames() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wnba-\(UUID().uuidString).json")
        try Data(try WNBAFixtures.sportradar()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let raw = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? [String: Any])
        let home = try #require((raw["home"] as? [String: Any])?["points"] as? Int)
        let away = try #require((raw["away"] as? [String: Any])?["points"] as? Int)
        let gameId = "sr-0b33d607-fc51-4ef0-b06a-111064074ca9"
        let services = try await Services()
        try await services.startScore()
        #expect(try services.feed(.sportradarPlayByPlay) { $0.replay.file = file.path }.configuration.replay.league == nil)
        let feed = try services.feed(.sportradarPlayByPlay) { configuration in
            configuration.replay.file = file.path
            configuration.replay.speed = 1_000_000
            configuration.replay.league = Leagues.wnba
        }
        services.start(feed)
        do {
            try await services.waitUntilDelivered(feed)
            var games = try await services.scheduledGames(date: "2016-01-28")
            games.merge(try await services.scheduledGames(date: "2016-01-29")) { first, _ in first }
            let game = try #require(games[gameId])
            #expect(game.leagueId == "wnba" && game.homeTeamId == "wnba-IND" && game.awayTeamId == "wnba-LVA")
            let stored = try await services.events(of: gameId)
            #expect(!stored.isEmpty && Set(stored.map(\.teamId)).isSubset(of: ["", "wnba-IND", "wnba-LVA"]))
            // 10-minute quarters: no clock beyond 10:00, the first quarter starting at 10:00.
            #expect(stored.compactMap { $0.state?.clockMs }.allSatisfy { $0 <= 600_000 })
            #expect(stored.first { $0.kind == .periodStart }?.state?.clockMs == 600_000)
            let snapshot = try #require(try await services.snapshots([gameId])[gameId])
            #expect(snapshot.state?.homeScore == UInt32(home) && snapshot.state?.awayScore == UInt32(away))
            #expect(snapshot.state?.status == .final && snapshot.state?.period == 4)
            #expect(metric(feed, "courtside_feed_events_refused_total") == 0)
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }

    @Test func aBadFileIsRejectedAndNothingIsPublished() async throws {
        let services = try await Services()
        try await services.startScore()
        let bytes = try Fixtures.bytes(Fixtures.espnSummary)
        let truncated = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString).json")
        try Data(bytes.prefix(bytes.count / 2)).write(to: truncated)
        defer { try? FileManager.default.removeItem(at: truncated) }
        let feed = try services.feed(.espnSummary) { $0.replay.file = truncated.path }
        services.start(feed)
        do {
            try await waitFor("the rejection") { metric(feed, "courtside_feed_rejected_payloads_total", ["reason": "truncated"]) == 1 }
            #expect(metric(feed, "courtside_feed_events_published_total") == 0)
            #expect(metric(feed, "courtside_feed_games_upserted_total") == 0)
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }
}
