import CourtsideProto
import FeedService
import FeedSources
import TestSupport
import Testing

/// A feed that stops mid-game and starts again continues each game from the newest event the
/// score service has: nothing is published twice, nothing is skipped.
@Suite(.serialized) struct RestartTests {
    static let startTimeMs: Int64 = 1_765_000_000_000  // 2025-12-06T05:46:40Z: the slate of 2025-12-06

    /// The first run plays slowly, so that the test stops it mid-game however loaded the machine
    /// (at 600 a game took 12 s, and under the full suite on two cores the test sometimes saw
    /// the games under way only once they had ended); the second run finishes fast. The same
    /// games either way: an event's source id does not depend on the speed.
    static let firstRunSpeed: Double = 100  // a game in about 72 s, breaks included
    static let secondRunSpeed: Double = 600  // about 12 s

    func simulator(speed: Double) -> (inout FeedConfiguration) -> Void {
        { configuration in
            configuration.simulator.games = 3
            configuration.simulator.seed = 7
            configuration.simulator.startTimeMs = Self.startTimeMs
            configuration.simulator.speed = speed
            configuration.simulator.stagger = .zero
            configuration.simulator.continuous = false
        }
    }

    @Test func simulatorContinuesEachGameWhereTheLastRunLeftIt() async throws {
        let services = try await Services()
        try await services.startScore()
        do {
            let slate = (0..<3).map {
                GameSimulator.simulateGame(
                    index: $0,
                    config: SimulatorConfig(
                        seed: 7, gameCount: 3, startTimeMs: Self.startTimeMs, speed: Self.secondRunSpeed,
                        leagueIDs: SimulatorSettings().leagues.map(\.id))
                )
            }
            let ids = slate.map(\.game.id)
            #expect(ids == ["sim-20251206-7-nba-wnba-1", "sim-20251206-7-nba-wnba-2", "sim-20251206-7-nba-wnba-3"])

            let first = try services.feed(.simulator, simulator(speed: Self.firstRunSpeed))
            services.start(first, name: "first")
            try await waitFor("the games to be under way") {
                let snapshots = try await services.snapshots(ids)
                return ids.allSatisfy { (snapshots[$0]?.position?.seq ?? 0) > 40 }
            }
            await services.stopFeed(name: "first")
            let atRestart = try await services.snapshots(ids)
            for game in slate {
                let seq = try #require(atRestart[game.game.id]?.position?.seq)
                #expect(seq > 40 && seq < UInt64(game.timeline.count), "\(game.game.id) stopped mid-game at \(seq)")
            }

            let second = try services.feed(.simulator, simulator(speed: Self.secondRunSpeed))
            services.start(second, name: "second")
            try await services.waitUntilDelivered(second)
            var resent = 0
            for game in slate {
                let stored = try await services.events(of: game.game.id)
                #expect(stored.map(\.sourceId) == game.events.map(\.sourceId), "\(game.game.id): every event once, in order")
                #expect(stored.last?.state?.status == .final)
                #expect(stored.map { $0.position?.seq ?? 0 } == Array(1...UInt64(stored.count)))
                resent += game.timeline.count - Int(atRestart[game.game.id]?.position?.seq ?? 0)
            }
            #expect(metric(second, "courtside_feed_events_duplicate_total") == 0, "the second run re-sent nothing")
            #expect(metric(second, "courtside_feed_events_published_total") == Double(resent))
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }

    @Test func replayContinuesWhereTheLastRunLeftIt() async throws {
        let services = try await Services()
        try await services.startScore()
        do {
            // As for the simulator: a slow first run (the 2½-hour game in about 30 s) stopped
            // mid-game, then a fast second one (about 3 s).
            func configure(speed: Double) -> (inout FeedConfiguration) throws -> Void {
                { configuration in
                    configuration.replay.file = try Fixtures.path(Fixtures.sportradarFullGame)
                    configuration.replay.speed = speed
                }
            }
            let expected = try #require(SportradarPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.sportradarFullGame)).value)
            let gameId = expected.game.id
            let first = try services.feed(.sportradarPlayByPlay, configure(speed: 300))
            services.start(first, name: "first")
            try await waitFor("the replay to be under way") {
                (try await services.snapshots([gameId])[gameId]?.position?.seq ?? 0) > 50
            }
            await services.stopFeed(name: "first")
            let stoppedAt = try #require(try await services.snapshots([gameId])[gameId]?.position?.seq)
            #expect(stoppedAt < UInt64(expected.events.count))

            let second = try services.feed(.sportradarPlayByPlay, configure(speed: 3_000))
            services.start(second, name: "second")
            try await services.waitUntilDelivered(second)
            let stored = try await services.events(of: gameId)
            #expect(stored.map(\.sourceId) == expected.events.map(\.sourceId))
            #expect(metric(second, "courtside_feed_events_duplicate_total") == 0)
            #expect(metric(second, "courtside_feed_events_published_total") == Double(expected.events.count - Int(stoppedAt)))
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }
}
