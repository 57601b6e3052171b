import CourtsideProto
import FeedService
import FeedSources
import TestSupport
import Testing

/// The simulator through real schedule and score services.
@Suite(.serialized) struct SimulatorFeedTests {
    static let startTimeMs: Int64 = 1_765_000_000_000  // the slate of 2025-12-06

    /// 1,000 seeded games, published in large batches: the score service accepts every event (no
    /// refused batch) and every game ends final with a plausible score.
    @Test(.timeLimit(.minutes(10))) func thousandSeededGamesAreAllAccepted() async throws {
        let count = 1_000
        let services = try await Services()
        try await services.startScore()
        let feed = try services.feed(.simulator) { configuration in
            configuration.simulator.games = count
            configuration.simulator.seed = 2025
            configuration.simulator.startTimeMs = Self.startTimeMs
            configuration.simulator.speed = 1_000_000_000
            configuration.simulator.stagger = .zero
            configuration.simulator.continuous = false
            configuration.bufferCapacity = 50_000
            configuration.publishBatchSize = 5_000
        }
        services.start(feed)
        do {
            try await services.waitUntilDelivered(feed, timeout: .seconds(540))
            // The default leagues: NBA and WNBA games in turn.
            let config = SimulatorConfig(
                seed: 2025, gameCount: count, startTimeMs: Self.startTimeMs, speed: 1_000_000_000,
                leagueIDs: SimulatorSettings().leagues.map(\.id))
            var expectedEvents = 0
            var ids: [String] = []
            var finals: [String: GameState] = [:]
            for index in 0..<count {
                let game = GameSimulator.simulateGame(index: index, config: config)
                expectedEvents += game.timeline.count
                ids.append(game.game.id)
                finals[game.game.id] = game.finalState
                await Task.yield()  // pure CPU; leave the shared threads to the tests beside this one
            }
            #expect(metric(feed, "courtside_feed_events_refused_total") == 0)
            #expect(metric(feed, "courtside_feed_games_refused_total") == 0)
            #expect(metric(feed, "courtside_feed_events_published_total") == Double(expectedEvents))
            #expect(metric(feed, "courtside_feed_events_duplicate_total") == 0)

            let snapshots = try await services.snapshots(ids)
            #expect(snapshots.count == count)
            // Points per team: the model is the NBA's, played over 48 minutes in the NBA and 40 in
            // the WNBA (10-minute quarters), so WNBA scores are about five sixths of the NBA's.
            let plausible: [String: (game: ClosedRange<UInt32>, average: ClosedRange<Double>)] = [
                "": (70...175, 100...130), "wnba": (45...150, 83...108),
            ]
            var points: [String: (total: Int, games: Int)] = [:]
            for (index, id) in ids.enumerated() {
                let state = try #require(snapshots[id]?.state)
                let league = GameSimulator.scheduledGame(index: index, config: config).leagueId
                let range = try #require(plausible[league], "\(id): league \(league)")
                #expect(state.status == .final, "\(id)")
                #expect(state.period >= 4)
                #expect(state.homeScore != state.awayScore)
                #expect(
                    range.game.contains(state.homeScore) && range.game.contains(state.awayScore),
                    "\(id) (\(league)): \(state.homeScore)–\(state.awayScore)")
                #expect(state == finals[id], "\(id) ends as simulated")
                points[league, default: (0, 0)].total += Int(state.homeScore + state.awayScore)
                points[league, default: (0, 0)].games += 1
            }
            #expect(points.mapValues(\.games) == ["": count / 2, "wnba": count / 2])
            for (league, sum) in points {
                let average = Double(sum.total) / Double(2 * sum.games)
                #expect(try #require(plausible[league]).average.contains(average), "\(league): average points per team \(average)")
            }
            // The score service reported every game's status to the schedule: all final there too.
            try await waitFor("the schedule to show every game final") {
                let games = try await services.scheduledGames(date: "2025-12-06")
                return games.count == count && games.values.allSatisfy { $0.status == .final }
            }
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }

    /// A live slate: staggered tip-offs (some games final at once, some live, some scheduled),
    /// and when games end the next ones of the slate are scheduled.
    @Test func aContinuousSlateKeepsGamesComing() async throws {
        let services = try await Services()
        try await services.startScore()
        let feed = try services.feed(.simulator) { configuration in
            configuration.simulator.games = 6
            configuration.simulator.seed = 11
            configuration.simulator.startTimeMs = Self.startTimeMs
            configuration.simulator.speed = 600  // a game in about 13 s, tip-offs about 5 s apart
        }
        services.start(feed)
        do {
            let ids = (1...12).map { "sim-20251206-11-nba-wnba-\($0)" }
            try await waitFor("the first games") {
                try await services.snapshots(Array(ids.prefix(6))).count == 6
            }
            try await Task.sleep(for: .milliseconds(500))
            let early = try await services.snapshots(Array(ids.prefix(6)))
            let statuses = ids.prefix(6).map { early[$0]?.state?.status ?? .unspecified }
            #expect(statuses[0] == .final, "the first game tipped off long enough ago: \(statuses)")
            #expect(statuses[1...3].allSatisfy { $0 == .live || $0 == .halftime }, "\(statuses)")
            #expect(statuses[4...5].allSatisfy { $0 == .scheduled }, "\(statuses)")
            // Game 7 was planned when game 1 ended.
            #expect(try await services.snapshots([ids[6]]).count == 1)
            // Game 1, played in one burst at start-up, is final in the schedule too.
            try await waitFor("game 1 final in the schedule") {
                try await services.scheduledGames(date: "2025-12-06")[ids[0]]?.status == .final
            }
            try await waitFor("game 2 to end and game 8 to be planned", timeout: .seconds(60)) {
                try await services.snapshots([ids[7]]).count == 1
            }
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }
}
