import CourtsideDomain
import CourtsideProto
import Testing

/// Period lengths per league, from the one table that knows them.
@Suite struct PeriodRulesTests {
    @Test func eachLeaguePlaysItsOwnPeriods() {
        #expect(PeriodRules.forLeague("nba").lengthMs(ofPeriod: 1) == 720_000)
        #expect(PeriodRules.forLeague("").lengthMs(ofPeriod: 4) == 720_000, "a game stored before leagues existed is an NBA game")
        #expect(PeriodRules.forLeague("nba-development").lengthMs(ofPeriod: 2) == 720_000)
        #expect(PeriodRules.forLeague("wnba").lengthMs(ofPeriod: 1) == 600_000)
        #expect(PeriodRules.forLeague("wnba").lengthMs(ofPeriod: 4) == 600_000)
        #expect(PeriodRules.forLeague("womens-college-basketball").lengthMs(ofPeriod: 3) == 600_000)
        #expect(PeriodRules.forLeague("mens-college-basketball").lengthMs(ofPeriod: 2) == 1_200_000)
        #expect(PeriodRules.forLeague("mens-college-basketball").regulationPeriods == 2)
        for league in Leagues.all {
            let rules = PeriodRules.forLeague(league.id)
            #expect(rules.lengthMs(ofPeriod: rules.regulationPeriods + 1) == 300_000, "\(league.id): 5-minute overtime")
            #expect(rules.lengthMs(ofPeriod: rules.regulationPeriods + 3) == 300_000, "\(league.id): 3rd overtime")
            #expect(rules.lengthMs(ofPeriod: 0) == rules.regulationPeriodMs, "\(league.id): before tip-off")
        }
    }

    @Test func aWNBAClockFitsTenMinutesOnly() {
        let wnba = PeriodRules.forLeague("wnba")
        #expect(wnba.clockFits(600_000, period: 1), "10:00 at the start of a period")
        #expect(wnba.clockFits(600_000, period: 4))
        #expect(!wnba.clockFits(690_000, period: 2), "11:30 in a regulation period")
        #expect(!wnba.clockFits(600_001, period: 3))
        #expect(wnba.clockFits(300_000, period: 5), "5:00 at the start of overtime")
        #expect(!wnba.clockFits(301_000, period: 5))
        let nba = PeriodRules.forLeague("nba")
        #expect(nba.clockFits(690_000, period: 2) && nba.clockFits(720_000, period: 1) && !nba.clockFits(720_001, period: 1))
        #expect(nba.clockFits(300_000, period: 5) && !nba.clockFits(360_000, period: 6))
    }

    @Test func elapsedGameTimeAddsEachPeriodsLength() {
        let nba = PeriodRules.forLeague("nba")
        #expect(nba.elapsedMs(period: 0, clockMs: 0) == 0)
        #expect(nba.elapsedMs(period: 4, clockMs: 0) == 48 * 60_000)
        #expect(nba.elapsedMs(period: 6, clockMs: 0) == 58 * 60_000)
        let wnba = PeriodRules.forLeague("wnba")
        #expect(wnba.elapsedMs(period: 1, clockMs: 600_000) == 0)
        #expect(wnba.elapsedMs(period: 4, clockMs: 0) == 40 * 60_000)
        #expect(wnba.elapsedMs(period: 5, clockMs: 60_000) == 44 * 60_000)
        let college = PeriodRules.forLeague("mens-college-basketball")
        #expect(college.elapsedMs(period: 2, clockMs: 0) == 40 * 60_000)
        #expect(college.elapsedMs(period: 3, clockMs: 0) == 45 * 60_000)
        #expect(college.isOvertime(3) && !college.isOvertime(2))
    }
}
