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
        _ = try await replayWNBAGame(.sportradarPlayByPlay, file: file.path)
    }

    /// The same WNBA game in Sportradar's XML (``Fixtures/sportradarWNBAGameXML``, derived by the
    /// same edit): `--league wnba` reaches the XML reader too, and the XML and JSON replays of
    /// the game store the same events.
    @Test func aSportradarWNBAGameInXMLIsReplayedInTheLeagueTheSettingNamesAsItsJSONIs() async throws {
        let xml = try await replayWNBAGame(.sportradarPlayByPlayXML, file: try Fixtures.path(Fixtures.sportradarWNBAGameXML))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wnba-\(UUID().uuidString).json")
        try Data(try WNBAFixtures.sportradar()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let json = try await replayWNBAGame(.sportradarPlayByPlay, file: file.path)
        // The schedule hears of status changes from the score service after the events are
        // stored, so a game read at once may still show an earlier status and revision (seen
        // under CI load: live, revision 4, against halftime, 3); the final state is checked on
        // the score service's snapshot in replayWNBAGame.
        let scheduled = { (game: Game) in
            var game = game
            game.status = .unspecified
            game.revision = 0
            return game
        }
        #expect(scheduled(xml.game) == scheduled(json.game))
        // Stored by two score services: the same events at the same positions, apart from when
        // each stored them and the epoch of each one's log.
        let unstamped = { (events: [Event]) in
            events.map { event in
                var event = event
                event.recordedAtMs = 0
                event.position?.epoch = 0
                return event
            }
        }
        #expect(xml.events.count == json.events.count)
        for (index, pair) in zip(unstamped(xml.events), unstamped(json.events)).enumerated() where pair.0 != pair.1 {
            Issue.record(
                "event \(index) differs: XML \(pair.0.sourceId) \(pair.0.description) vs JSON \(pair.1.sourceId) \(pair.1.description)")
            break
        }
        #expect(unstamped(xml.events) == unstamped(json.events))
    }

    /// A replayed ESPN summary whose home team is newer than the WNBA seed: the live capture made
    /// a WNBA game (``PlayByPlayLeagueTests/wnbaSummary()``) with the Toronto Tempo (2026) at
    /// home, as ESPN describes a team. The team is created in the schedule with the game (from
    /// ESPN's name and colours), the game is stored, and its home baskets are the Tempo's.
    @Test func anESPNSummaryWithAWNBATeamNewerThanTheSeedIsReplayedWithTheTeamCreated() async throws {
        var root = try #require(try JSONSerialization.jsonObject(with: Data(try PlayByPlayLeagueTests.wnbaSummary())) as? [String: Any])
        var header = try #require(root["header"] as? [String: Any])
        var competitions = try #require(header["competitions"] as? [[String: Any]])
        var competitors = try #require(competitions[0]["competitors"] as? [[String: Any]])
        #expect(competitors[0]["homeAway"] as? String == "home")
        var team = try #require(competitors[0]["team"] as? [String: Any])
        for (key, value) in [
            "abbreviation": "TOR", "displayName": "Toronto Tempo", "location": "Toronto", "name": "Tempo", "color": "6e1f3a",
            "alternateColor": "9cc3e6",
        ] {
            team[key] = value
        }
        competitors[0]["team"] = team
        competitions[0]["competitors"] = competitors
        header["competitions"] = competitions
        root["header"] = header
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tempo-\(UUID().uuidString).json")
        try Data(try Fixtures.encode(root)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let gameId = "espn-401585135"
        try await replayedInTheWNBA(.espnSummary, file: file.path) { services, feed in
            let games = try await services.scheduledGames(date: "2024-01-08")
            let game = try #require(games[gameId], "no game stored: \(games.keys.sorted())")
            #expect(game.leagueId == "wnba" && game.homeTeamId == "wnba-TOR" && game.awayTeamId == "wnba-SEA")
            let teams = try await services.teams(league: "wnba")
            #expect(
                teams.first { $0.id == "wnba-TOR" }
                    == Team(
                        id: "wnba-TOR", tricode: "TOR", city: "Toronto", name: "Tempo", primaryColor: "#6e1f3a",
                        secondaryColor: "#9cc3e6", leagueId: "wnba"))
            #expect(teams.first { $0.id == "wnba-SEA" }?.name == "Storm", "a seed team is the seed's")
            let stored = try await services.events(of: gameId)
            #expect(!stored.isEmpty && Set(stored.map(\.teamId)).isSubset(of: ["", "wnba-TOR", "wnba-SEA"]))
            #expect(stored.contains { $0.teamId == "wnba-TOR" && $0.points > 0 })
            #expect(metric(feed, "courtside_feed_events_refused_total") == 0)
            #expect(metric(feed, "courtside_feed_rejected_payloads_total") == 0)
        }
    }

    /// Replays `file` with `--league wnba` at full speed through fresh schedule and score
    /// services and runs `check` once the feed has delivered everything; the services stop
    /// either way.
    func replayedInTheWNBA<Result>(
        _ kind: FeedSourceKind, file: String, check: (Services, FeedServer) async throws -> Result
    ) async throws -> Result {
        let services = try await Services()
        try await services.startScore()
        do {
            let feed = try services.feed(kind) { configuration in
                configuration.replay.file = file
                configuration.replay.speed = 1_000_000
                configuration.replay.league = Leagues.wnba
            }
            services.start(feed)
            try await services.waitUntilDelivered(feed)
            let result = try await check(services, feed)
            await services.stop()
            return result
        } catch {
            await services.stop()
            throw error
        }
    }

    /// Replays the WNBA game (IND v LVA, the real NOP v SAC game by the edit of
    /// ``WNBAFixtures/sportradar(editing:)``) from `file` with `--league wnba` and checks that a
    /// WNBA game was stored: WNBA teams, no clock beyond 10:00, every quarter starting at 10:00, the
    /// provider's final score.
    /// - Returns: the scheduled game and its stored events.
    func replayWNBAGame(_ kind: FeedSourceKind, file: String) async throws -> (game: Game, events: [Event]) {
        let raw = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? [String: Any])
        let home = try #require((raw["home"] as? [String: Any])?["points"] as? Int)
        let away = try #require((raw["away"] as? [String: Any])?["points"] as? Int)
        let gameId = "sr-0b33d607-fc51-4ef0-b06a-111064074ca9"
        return try await replayedInTheWNBA(kind, file: file) { services, feed in
            #expect(try services.feed(kind) { $0.replay.file = file }.configuration.replay.league == nil)
            var games = try await services.scheduledGames(date: "2016-01-28")
            games.merge(try await services.scheduledGames(date: "2016-01-29")) { first, _ in first }
            let game = try #require(games[gameId], "\(kind.rawValue): no game stored")
            #expect(game.leagueId == "wnba" && game.homeTeamId == "wnba-IND" && game.awayTeamId == "wnba-LVA")
            let stored = try await services.events(of: gameId)
            #expect(!stored.isEmpty && Set(stored.map(\.teamId)).isSubset(of: ["", "wnba-IND", "wnba-LVA"]))
            // 10-minute quarters: no clock beyond 10:00, each of the four quarters starting at 10:00.
            #expect(stored.compactMap { $0.state?.clockMs }.allSatisfy { $0 <= 600_000 })
            let starts = stored.filter { $0.kind == .periodStart }
            #expect(starts.map { $0.state?.period } == [1, 2, 3, 4])
            #expect(starts.allSatisfy { $0.state?.clockMs == 600_000 })
            let snapshot = try #require(try await services.snapshots([gameId])[gameId])
            #expect(snapshot.state?.homeScore == UInt32(home) && snapshot.state?.awayScore == UInt32(away))
            #expect(snapshot.state?.status == .final && snapshot.state?.period == 4)
            #expect(metric(feed, "courtside_feed_events_refused_total") == 0)
            #expect(metric(feed, "courtside_feed_rejected_payloads_total") == 0)
            return (game, stored)
        }
    }

    /// An ESPN summary that names its league (`header.league.slug`) is read in it, never
    /// re-labelled by `--league`: one naming another league than `--league` is refused whole (the
    /// wrong file or the wrong setting); one naming the same league is replayed.
    @Test func anESPNSummaryNamingAnotherLeagueThanTheSettingIsRefused() async throws {
        for (league, refused) in [(Leagues.wnba, true), (Leagues.nba, false)] {
            let services = try await Services()
            try await services.startScore()
            let feed = try services.feed(.espnSummary) { configuration in
                configuration.replay.file = try Fixtures.path(Fixtures.espnSummary)
                configuration.replay.speed = 1_000_000
                configuration.replay.league = league
            }
            services.start(feed)
            do {
                try await services.waitUntilDelivered(feed)
                #expect(metric(feed, "courtside_feed_rejected_payloads_total", ["reason": "invalid"]) == (refused ? 1 : 0), "\(league.id)")
                #expect((metric(feed, "courtside_feed_games_upserted_total") == 0) == refused, "\(league.id)")
                #expect((metric(feed, "courtside_feed_events_published_total") == 0) == refused, "\(league.id)")
                let game = try await services.snapshots(["espn-401585135"])["espn-401585135"]
                #expect((game == nil) == refused, "\(league.id)")
            } catch {
                await services.stop()
                throw error
            }
            await services.stop()
        }
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
