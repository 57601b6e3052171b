import CourtsideDomain
import CourtsideProto
import Testing

@testable import FeedSources

@Suite struct SimulatorTests {
    /// 2025-03-01T00:30:00Z, a Friday evening game in the East.
    static let start: Int64 = 1_740_789_000_000

    @Test func thousandSeededGamesAreValidAndPlausible() async {
        var totals: [Int] = []
        var teamScores: [Int] = []
        var overtimes = 0
        for seed in 0..<UInt64(1000) {
            let config = SimulatorConfig(seed: seed, startTimeMs: Self.start, speed: 24)
            let game = GameSimulator.simulateGame(index: 0, config: config)
            let events = game.events
            let problems = ServiceRulesValidator.violations(events)
            #expect(problems.isEmpty, "seed \(seed): \(problems.prefix(3))")
            #expect(ServiceRulesValidator.statusChangesOutsideStatusEvents(events).isEmpty, "seed \(seed)")
            let final = game.finalState
            #expect(final.status == .final, "seed \(seed)")
            #expect(final.period >= 4, "seed \(seed)")
            #expect((70...170).contains(final.homeScore), "seed \(seed): home \(final.homeScore)")
            #expect((70...170).contains(final.awayScore), "seed \(seed): away \(final.awayScore)")
            #expect(final.homeScore != final.awayScore, "seed \(seed): tied")
            #expect(events.first?.kind == .statusChange && events.first?.state?.status == .live, "seed \(seed)")
            #expect(events.last?.kind == .statusChange && events.last?.state == final, "seed \(seed)")
            // Scores add up: the points of the scoring events make the final score.
            let home = events.filter { $0.teamId == game.game.homeTeamId }.reduce(0) { $0 + Int($1.points) }
            let away = events.filter { $0.teamId == game.game.awayTeamId }.reduce(0) { $0 + Int($1.points) }
            #expect(home == Int(final.homeScore) && away == Int(final.awayScore), "seed \(seed)")
            totals.append(Int(final.homeScore + final.awayScore))
            teamScores.append(Int(final.homeScore))
            teamScores.append(Int(final.awayScore))
            if final.period > 4 { overtimes += 1 }
            // Pure CPU: let the tests running beside this one have the shared threads too (two
            // on a two-core machine).
            await Task.yield()
        }
        let average = Double(totals.reduce(0, +)) / Double(totals.count)
        #expect((190...250).contains(average), "average total \(average)")
        // Real NBA: about 6% of games go to overtime.
        #expect((10...150).contains(overtimes), "\(overtimes) overtime games in 1000")
        print(
            "simulator: average total \(average), team scores \(teamScores.min() ?? 0)...\(teamScores.max() ?? 0), "
                + "\(overtimes) overtime games in 1000"
        )
    }

    @Test func sameSeedReplaysTheSameGames() {
        let config = SimulatorConfig(seed: 42, gameCount: 4, startTimeMs: Self.start, speed: 10)
        let first = GameSimulator.simulate(config)
        let second = GameSimulator.simulate(config)
        #expect(first == second)
        // One game replayed alone is identical to its copy among the others.
        #expect(GameSimulator.simulateGame(index: 2, config: config) == first[2])
        let other = GameSimulator.simulate(SimulatorConfig(seed: 43, gameCount: 4, startTimeMs: Self.start, speed: 10))
        #expect(other.map(\.events) != first.map(\.events))
    }

    @Test func gamesHaveRecordsIdsAndDistinctTeams() {
        let config = SimulatorConfig(seed: 7, gameCount: 15, startTimeMs: Self.start)
        let games = GameSimulator.simulate(config)
        let teams = games.flatMap { [$0.game.homeTeamId, $0.game.awayTeamId] }
        #expect(Set(teams).count == 30, "15 games use all 30 teams once")
        for simulated in games {
            let game = simulated.game
            #expect(game.id.hasPrefix("sim-20250228-7-"))
            #expect(game.date == "2025-02-28")
            #expect(game.status == .scheduled)
            #expect(game.startTimeMs == Self.start)
            #expect(NBATeams.team(tricode: game.homeTeamId)?.arena == game.venue)
            for (index, event) in simulated.events.enumerated() {
                #expect(event.sourceId == "\(game.id)-\(index + 1)")
                #expect(event.gameId == game.id)
            }
        }
    }

    @Test func timelineFollowsTheConfiguredSpeed() throws {
        let seed: UInt64 = 5
        let realTime = GameSimulator.simulateGame(index: 0, config: SimulatorConfig(seed: seed, startTimeMs: Self.start))
        let fast = GameSimulator.simulateGame(index: 0, config: SimulatorConfig(seed: seed, startTimeMs: Self.start, speed: 24))
        let noBreaks = GameSimulator.simulateGame(
            index: 0,
            config: SimulatorConfig(seed: seed, startTimeMs: Self.start, speed: 24, includeStoppages: false)
        )
        // Speed changes only time, never what happens.
        #expect(realTime.events.map(\.description) == fast.events.map(\.description))
        let realEnd = try #require(realTime.timeline.last)
        let fastEnd = try #require(fast.timeline.last)
        let noBreaksEnd = try #require(noBreaks.timeline.last)
        #expect(abs(Double(realEnd.wallOffsetMs) / 24 - Double(fastEnd.wallOffsetMs)) < 2)
        // A real game takes about 1½ to 3 hours with its stoppages.
        #expect((90 * 60_000...180 * 60_000).contains(realEnd.wallOffsetMs), "\(realEnd.wallOffsetMs / 60_000) minutes")
        // Without stoppages, speed 24 plays the game clock only: 48 minutes (plus any overtime) in 2.
        #expect(
            noBreaksEnd.wallOffsetMs == noBreaksEnd.gameElapsedMs / 24
                || abs(noBreaksEnd.wallOffsetMs - noBreaksEnd.gameElapsedMs / 24) <= 1)
        #expect(noBreaksEnd.gameElapsedMs >= 48 * 60_000)
        for timeline in [realTime.timeline, fast.timeline, noBreaks.timeline] {
            #expect(zip(timeline, timeline.dropFirst()).allSatisfy { $0.wallOffsetMs <= $1.wallOffsetMs })
            #expect(zip(timeline, timeline.dropFirst()).allSatisfy { $0.gameElapsedMs <= $1.gameElapsedMs })
            #expect(timeline.allSatisfy { $0.event.occurredAtMs == Self.start + $0.wallOffsetMs })
        }
    }

    @Test func gameShapeLooksLikeBasketball() throws {
        let game = GameSimulator.simulateGame(index: 0, config: SimulatorConfig(seed: 11, startTimeMs: Self.start))
        let events = game.events
        let kinds = Dictionary(grouping: events, by: \.kind).mapValues(\.count)
        for kind: EventKind in [.basket, .freeThrow, .miss, .rebound, .turnover, .foul, .timeout, .substitution, .jumpBall] {
            #expect((kinds[kind] ?? 0) > 0, "no \(kind) event")
        }
        let periods = Int(game.finalState.period)
        #expect(kinds[.periodStart] == periods && kinds[.periodEnd] == periods)
        // Statuses: live at tip-off, halftime after the 2nd period, live again, final.
        let statuses = events.filter { $0.kind == .statusChange }.compactMap { $0.state?.status }
        #expect(statuses == [.live, .halftime, .live, .final])
        let halftime = try #require(events.firstIndex { $0.state?.status == .halftime })
        #expect(events[halftime - 1].kind == .periodEnd && events[halftime - 1].state?.period == 2)
        // Possessions: roughly 100 field-goal attempts (and turnovers) per team.
        let attempts = events.filter { $0.kind == .basket || ($0.kind == .miss && !$0.description.contains("free throw")) }.count
        #expect((150...230).contains(attempts), "\(attempts) field-goal attempts")
        // The clock runs during play and stops at stoppages.
        #expect(events.contains { $0.state?.clockRunning == true })
        #expect(
            events.filter { $0.kind == .foul || $0.kind == .timeout || $0.kind == .freeThrow }.allSatisfy {
                $0.state?.clockRunning == false
            })
        // Clocks stay within their periods and only run down within a period.
        for (before, after) in zip(events, events.dropFirst()) {
            let a = try #require(before.state)
            let b = try #require(after.state)
            #expect(b.clockMs <= GameClock.periodLengthMs(b.period))
            if a.period == b.period, after.kind != .periodStart { #expect(b.clockMs <= a.clockMs) }
        }
    }

    @Test func overtimeIsFiveMinutes() throws {
        // Find a seeded game that went to overtime and check its extra periods.
        var found: SimulatedGame?
        for seed in 0..<UInt64(300) {
            let game = GameSimulator.simulateGame(index: 0, config: SimulatorConfig(seed: seed, startTimeMs: Self.start))
            if game.finalState.period > 4 {
                found = game
                break
            }
        }
        let game = try #require(found, "no overtime in 300 seeded games")
        let starts = game.events.filter { $0.kind == .periodStart }
        for start in starts {
            let state = try #require(start.state)
            #expect(state.clockMs == (state.period > 4 ? 300_000 : 720_000))
        }
        // The game was tied at the end of regulation.
        let endOfFourth = try #require(game.events.first { $0.kind == .periodEnd && $0.state?.period == 4 }?.state)
        #expect(endOfFourth.homeScore == endOfFourth.awayScore)
    }
}
