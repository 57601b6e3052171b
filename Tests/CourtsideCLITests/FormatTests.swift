import CourtsideDomain
import CourtsideProto
import Testing

@testable import CourtsideCLI

/// The terminal's period labels match the page's (`services/bridge/public/format.js`).
@Suite struct FormatTests {
    @Test func quartersThenOvertimes() {
        let rules = PeriodRules.forLeague(Leagues.nba.id)
        #expect(Format.period(0, rules: rules) == "pre")
        #expect((1...4).map { Format.period($0, rules: rules) } == ["Q1", "Q2", "Q3", "Q4"])
        #expect(Format.period(5, rules: rules) == "OT")
        #expect(Format.period(6, rules: rules) == "2OT")
        #expect(Format.period(8, rules: rules) == "4OT")
        #expect(Format.period(5, rules: PeriodRules.forLeague(Leagues.wnba.id)) == "OT")
    }

    @Test func menCollegeHalvesThenOvertimes() {
        let rules = PeriodRules.forLeague(Leagues.mensCollege.id)
        #expect(Format.period(0, rules: rules) == "pre")
        #expect(Format.period(1, rules: rules) == "H1")
        #expect(Format.period(2, rules: rules) == "H2")
        #expect(Format.period(3, rules: rules) == "OT")
        #expect(Format.period(4, rules: rules) == "2OT")
    }

    @Test func aTeamIdTellsItsLeague() {
        #expect(Format.periodRules(teamId: "BOS") == PeriodRules.forLeague(Leagues.nba.id))
        #expect(Format.periodRules(teamId: "") == PeriodRules.forLeague(Leagues.nba.id))
        #expect(Format.periodRules(teamId: "wnba-IND") == PeriodRules.forLeague(Leagues.wnba.id))
        #expect(Format.periodRules(teamId: "nba-development-SXF") == PeriodRules.forLeague(Leagues.gLeague.id))
        #expect(Format.periodRules(teamId: "mens-college-basketball-DUKE") == PeriodRules.twentyMinuteHalves)
        #expect(Format.periodRules(teamId: "womens-college-basketball-UCONN") == PeriodRules.tenMinuteQuarters)
    }

    @Test func aMenCollegeStateReadsInHalves() {
        let state = GameState(homeScore: 70, awayScore: 70, period: 3, clockMs: 65_000, clockRunning: true, status: .live)
        let home = "mens-college-basketball-DUKE"
        let line = Format.state(state, home: home, away: "mens-college-basketball-UNC", rules: Format.periodRules(teamId: home))
        #expect(line.contains("  OT 1:05  "), "\(line)")
    }
}
