import CourtsideDomain
import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// NBA live data and Sportradar bound a clock by the game's league (``PeriodRules``): a WNBA
/// quarter is 10 minutes, so 9:59 in the 1st quarter is a clock and 11:00 is not, as 12:30 is
/// not one in the NBA. A payload with a clock its period cannot have is refused with the place
/// (the rule for out-of-range clocks in every league).
@Suite struct LeagueClockTests {
    typealias Object = [String: Any]

    // MARK: NBA live data: scoreboard and boxscore

    /// The real WNBA game (its boxscore's game object) shown live in the 1st quarter at `clock`.
    static func wnbaScoreboard(clock: String) throws -> [UInt8] {
        var game = try LiveDataLeagueTests.wnbaGame()
        game["gameStatus"] = 2
        game["gameStatusText"] = "Q1"
        game["period"] = 1
        game["gameClock"] = clock
        return try LiveDataLeagueTests.scoreboard([game])
    }

    @Test func aWNBAScoreboardClockIsBoundedByATenMinuteQuarter() throws {
        let snapshot = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Self.wnbaScoreboard(clock: "PT09M59.00S")), "9:59")
        #expect(snapshot.games.first?.state.clockMs == 599_000)
        let reasons = TestSupport.rejected(NBAScoreboardAdapter.parse(try Self.wnbaScoreboard(clock: "PT11M00.00S")), "11:00")
        #expect(reasons.contains { $0.contains("gameClock") && $0.contains("longer than period 1") }, "\(reasons)")
        // An NBA game of the same shape: 11:00 of a 12-minute quarter is a clock.
        let nbaGame = try #require((try Fixtures.json(Fixtures.nbaBoxscore) as? Object)?["game"] as? Object)
        var live = nbaGame
        live["gameStatus"] = 2
        live["gameStatusText"] = "Q1"
        live["period"] = 1
        live["gameClock"] = "PT11M00.00S"
        let scoreboard: Object = ["gameDate": "2020-12-22", "leagueId": "00", "games": [live]]
        let nba = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.encode(["scoreboard": scoreboard])), "NBA 11:00")
        #expect(nba.games.first?.state.clockMs == 660_000)
    }

    // MARK: NBA live data: play-by-play

    /// The first quarter of the real NBA play-by-play as the WNBA game's (minimal edits: the
    /// game id, the tricodes of the two teams, the clocks scaled to a 10-minute quarter).
    static func wnbaPlayByPlay(editing edit: (inout [Object]) -> Void = { _ in }) throws -> (payload: [UInt8], game: ScoreboardGame) {
        var root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? Object)
        let nba = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.bytes(Fixtures.nbaBoxscore)), "NBA boxscore")
        var wnba = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.bytes(Fixtures.wnbaBoxscore)), "WNBA boxscore")
        let tricodes = [nba.game.homeTeamId: "IND", nba.game.awayTeamId: "LVA"]
        var game = try #require(root["game"] as? Object)
        var actions = try #require(game["actions"] as? [Object]).filter { $0["period"] as? Int == 1 }
        for index in actions.indices {
            if let tricode = actions[index]["teamTricode"] as? String { actions[index]["teamTricode"] = tricodes[tricode] }
            actions[index]["clock"] = WNBAFixtures.scaled(actions[index]["clock"] as? String ?? "", period: 1)
        }
        edit(&actions)
        game["gameId"] = "1022500153"
        game["actions"] = actions
        root["game"] = game
        // Live at the end of the 1st quarter, with the plays' score.
        let last = try #require(actions.last)
        wnba.game.status = .live
        wnba.state = GameState(
            homeScore: UInt32(last["scoreHome"] as? String ?? "") ?? 0, awayScore: UInt32(last["scoreAway"] as? String ?? "") ?? 0,
            period: 1, clockMs: 0, clockRunning: false, status: .live)
        wnba.periodEnded = true
        return (try Fixtures.encode(root), wnba)
    }

    @Test func aWNBAPlayByPlayIsReadWithTenMinuteQuarters() throws {
        let (payload, game) = try Self.wnbaPlayByPlay()
        let feed = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(payload, game: game), "WNBA 1st quarter")
        let clocks = feed.events.compactMap { $0.state?.clockMs }
        #expect(clocks.first == 600_000 && clocks.allSatisfy { $0 <= 600_000 }, "\(clocks.prefix(5))")
        #expect(clocks.contains { $0 > 590_000 && $0 < 600_000 }, "a clock in the quarter's first ten seconds")
        #expect(feed.state.period == 1 && feed.state.status == .live)
        #expect(Set(feed.events.map(\.teamId)).isSubset(of: ["", "wnba-IND", "wnba-LVA"]))
    }

    @Test func aWNBAPlayByPlayClockLongerThanTenMinutesIsRefused() throws {
        let (payload, game) = try Self.wnbaPlayByPlay { $0[3]["clock"] = "PT11M00.00S" }
        let reasons = TestSupport.rejected(NBAPlayByPlayAdapter.parse(payload, game: game), "11:00 in a WNBA quarter")
        #expect(reasons.contains { $0.contains("game.actions[3].clock") && $0.contains("longer than period 1") }, "\(reasons)")
        // The same action at 9:59 is a clock.
        let (fine, _) = try Self.wnbaPlayByPlay { $0[3]["clock"] = "PT09M59.00S" }
        _ = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(fine, game: game), "9:59 in a WNBA quarter")
    }

    // MARK: Sportradar

    // The WNBA game: the real Sportradar one by minimal edits (``WNBAFixtures/sportradar(editing:)``).

    @Test func aSportradarWNBAGameIsReadInItsLeague() throws {
        let feed = try TestSupport.accepted(SportradarPlayByPlayAdapter.parse(try WNBAFixtures.sportradar(), league: Leagues.wnba), "WNBA")
        #expect(feed.game.leagueId == "wnba" && feed.game.homeTeamId == "wnba-IND" && feed.game.awayTeamId == "wnba-LVA")
        #expect(feed.state.status == .final && feed.glitches.isEmpty, "\(feed.glitches)")
        #expect(feed.events.compactMap { $0.state?.clockMs }.allSatisfy { $0 <= 600_000 })
        #expect(feed.events.filter { $0.kind == .periodStart }.first?.state?.clockMs == 600_000)
        // The original's teams are looked up in the WNBA only: the Pelicans are no WNBA team.
        let original = try Fixtures.bytes(Fixtures.sportradarFullGame)
        let reasons = TestSupport.rejected(SportradarPlayByPlayAdapter.parse(original, league: Leagues.wnba), "NBA teams in the WNBA")
        #expect(reasons.contains { $0.contains("not one of the 13 WNBA teams") }, "\(reasons)")
    }

    @Test func aSportradarWNBAClockLongerThanTenMinutesIsRefused() throws {
        let payload = try WNBAFixtures.sportradar { root in
            var periods = root["periods"] as? [Object] ?? []
            var events = periods[0]["events"] as? [Object] ?? []
            events[2]["clock"] = "11:00"
            periods[0]["events"] = events
            root["periods"] = periods
        }
        let reasons = TestSupport.rejected(SportradarPlayByPlayAdapter.parse(payload, league: Leagues.wnba), "11:00")
        #expect(reasons.contains { $0.contains("periods[0].events[2].clock") && $0.contains("longer than period 1") }, "\(reasons)")
        // An NBA game's 11:00 in the 1st quarter is a clock: the original reads as before.
        _ = try TestSupport.accepted(SportradarPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.sportradarFullGame)), "NBA")
    }
}
