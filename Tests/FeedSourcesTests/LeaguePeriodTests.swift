import CourtsideDomain
import CourtsideJSON
import CourtsideProto
import Testing

@testable import FeedSources

/// Period lengths per league (``PeriodRules``) where the feed uses them: a provider's clock is
/// checked against its league's period, the differ starts a period at its league's length, and
/// the simulator plays its game's league.
@Suite struct LeaguePeriodTests {
    @Test func aWNBAClockIsCheckedAgainstTenMinuteQuarters() throws {
        let root = try JSONNode.parse(
            Array(#"{"start":"10:00","iso":"PT10M00.00S","late":"11:30","ot":"5:00","otLate":"5:30","nbaLate":"11:30"}"#.utf8))
        #expect(try root["start"].clockMs(period: 1, leagueID: "wnba") == 600_000, "10:00 at the start of a WNBA period")
        #expect(try root["iso"].clockMs(period: 4, leagueID: "wnba") == 600_000)
        #expect(throws: FeedError.self, "11:30 in a WNBA regulation period") { try root["late"].clockMs(period: 2, leagueID: "wnba") }
        #expect(throws: FeedError.self, "as women's college") {
            try root["late"].clockMs(period: 3, leagueID: "womens-college-basketball")
        }
        #expect(try root["ot"].clockMs(period: 5, leagueID: "wnba") == 300_000, "5:00 at the start of overtime")
        #expect(throws: FeedError.self, "5:30 in a 5-minute overtime") { try root["otLate"].clockMs(period: 5, leagueID: "wnba") }
        #expect(try root["nbaLate"].clockMs(period: 2, leagueID: "nba") == 690_000, "11:30 is an NBA clock")
        #expect(try root["nbaLate"].clockMs(period: 2) == 690_000, "no league: the NBA's periods")
        #expect(try root["late"].clockMs(period: 1, leagueID: "mens-college-basketball") == 690_000, "20-minute halves")
        #expect(GameClock.periodLengthMs(1, leagueID: "wnba") == PeriodRules.forLeague("wnba").lengthMs(ofPeriod: 1))
    }

    @Test func theDifferStartsAWNBAPeriodAtTenMinutes() throws {
        let game = Game(
            id: "wnba-1", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", startTimeMs: 1, date: "2025-06-01", status: .live,
            leagueId: "wnba")
        let before = ScoreboardSnapshot(games: [
            ScoreboardGame(
                game: game, state: GameState(homeScore: 20, awayScore: 18, period: 1, clockMs: 0, status: .live), periodEnded: true)
        ])
        let after = ScoreboardSnapshot(games: [
            ScoreboardGame(
                game: game, state: GameState(homeScore: 20, awayScore: 18, period: 2, clockMs: 600_000, clockRunning: true, status: .live))
        ])
        let diff = ScoreboardDiffer.diff(from: before, to: after)
        #expect(diff.rejected.isEmpty)
        let start = try #require(diff.events.first { $0.kind == .periodStart })
        #expect(start.state?.period == 2 && start.state?.clockMs == 600_000, "\(diff.events)")
        #expect(diff.events.allSatisfy { ($0.state?.clockMs ?? 0) <= 600_000 })
    }

    @Test func theSimulatorPlaysItsGamesLeague() throws {
        let wnba = Game(
            id: "sim-wnba", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", startTimeMs: 1, date: "2025-06-01", status: .scheduled,
            leagueId: "wnba")
        var overtime = false
        for seed in 0..<UInt64(40) {
            var engine = GameEngine(game: wnba, seed: seed, startTimeMs: 1, speed: 24, includeStoppages: false)
            let final = engine.play()
            let events = engine.timeline.map(\.event)
            #expect(ServiceRulesValidator.violations(events).isEmpty, "seed \(seed)")
            #expect(final.status == .final && final.period >= 4, "seed \(seed)")
            #expect(events.first?.state?.clockMs == 600_000, "seed \(seed): tip-off with 10:00 on the clock")
            for event in events {
                let state = try #require(event.state)
                let length: UInt32 = state.period > 4 ? 300_000 : 600_000
                #expect(state.clockMs <= length, "seed \(seed): \(state.clockMs) in period \(state.period)")
                if event.kind == .periodStart { #expect(state.clockMs == length, "seed \(seed): period \(state.period) starts full") }
            }
            if final.period > 4 { overtime = true }
        }
        _ = overtime  // overtime is rare; its length is checked whenever it happens above
    }

    /// A play-by-play whose periods start without a period-start play: the builder starts each
    /// at its league's length (10:00 in the WNBA, 12:00 in the NBA).
    @Test func aSynthesizedPeriodStartHasItsLeaguesClock() {
        func play(_ n: Int, period: UInt32, clock: UInt32, home: UInt32) -> PlayAction {
            PlayAction(
                sourceId: "p\(n)", kind: .basket(points: 2), period: period, clockMs: clock, homeScore: home, awayScore: 0, teamId: "",
                player: "", description: "basket \(n)", occurredAtMs: Int64(n),
                label: PlayAction.Label(node: try! JSONNode.parse(Array("{}".utf8)), what: "play", id: "p\(n)"))
        }
        for (league, length) in [("wnba", UInt32(600_000)), ("nba", UInt32(720_000)), ("", UInt32(720_000))] {
            let header = PlayByPlayBuilder.Header(status: .live, score: (4, 0), period: 2, clockMs: 500_000, leagueID: league)
            var builder = PlayByPlayBuilder(gameId: "g", syntheticPrefix: "g", header: header)
            builder.add(contentsOf: [play(1, period: 1, clock: 590_000, home: 2), play(2, period: 2, clock: 550_000, home: 4)])
            #expect(builder.finish().isEmpty, "\(league)")
            let starts = builder.events.filter { $0.kind == .periodStart }.map { $0.state?.clockMs }
            #expect(starts == [length, length], "\(league): \(starts)")
        }
    }
}
