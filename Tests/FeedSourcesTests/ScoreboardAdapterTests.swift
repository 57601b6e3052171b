import CourtsideProto
import TestSupport
import Testing

@testable import FeedSources

/// The two scoreboard formats, read from the shared fixtures and from edited copies of them.
@Suite struct ScoreboardAdapterTests {
    @Test func nbaPlayoffScoreboard() throws {
        let snapshot = try TestSupport.accepted(
            NBAScoreboardAdapter.parse(try Fixtures.bytes(Fixtures.nbaScoreboardPlayoffs)),
            "NBA scoreboard"
        )
        #expect(snapshot.games.map(\.game.id) == ["nba-0042200163", "nba-0042200173", "nba-0042200123"])
        let live = try #require(snapshot["nba-0042200163"])
        #expect(live.game.homeTeamId == "GSW" && live.game.awayTeamId == "SAC")
        #expect(live.game.date == "2023-04-20")
        #expect(live.game.startTimeMs == 1_682_042_400_000)
        #expect(live.state == GameState(homeScore: 39, awayScore: 30, period: 2, clockMs: 435_000, clockRunning: true, status: .live))
        let final = try #require(snapshot["nba-0042200123"])
        #expect(final.state == GameState(homeScore: 97, awayScore: 102, period: 4, clockMs: 0, clockRunning: false, status: .final))
        #expect(final.periodEnded)
    }

    @Test func nbaPlayInScoreboardWithPaddedStatusAndScheduledGame() throws {
        let snapshot = try TestSupport.accepted(
            NBAScoreboardAdapter.parse(try Fixtures.bytes(Fixtures.nbaScoreboardPlayIn)),
            "NBA play-in scoreboard"
        )
        let live = try #require(snapshot["nba-0052400111"])
        #expect(live.state == GameState(homeScore: 23, awayScore: 38, period: 1, clockMs: 35_000, clockRunning: true, status: .live))
        let scheduled = try #require(snapshot["nba-0052400131"])
        #expect(scheduled.state == GameState(status: .scheduled))
        // gameEt says "2025-04-16T22:00:00Z" (Eastern time with a wrong Z); the real tip-off is
        // gameTimeUTC, 02:00 UTC on the 17th, and the game's date is still the 16th.
        #expect(scheduled.game.startTimeMs == 1_744_855_200_000)
        #expect(scheduled.game.date == "2025-04-16")
        #expect(scheduled.game.venue == "Golden 1 Center")
    }

    @Test func nbaClockFormats() throws {
        let raw = try Fixtures.json(Fixtures.nbaScoreboardPlayoffs)
        func state(clock: String, text: String) throws -> GameState {
            let edited = JSONEdit.applying(
                raw,
                [
                    (["scoreboard", "games", 0, "gameClock"], clock),
                    (["scoreboard", "games", 0, "gameStatusText"], text),
                ])
            let snapshot = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.encode(edited)), "edited scoreboard")
            return try #require(snapshot.games.first?.state)
        }
        #expect(try state(clock: "3:37 ", text: "Q2 3:37").clockMs == 217_000)
        #expect(try state(clock: "PT00M04.50S", text: "Q2").clockMs == 4_500)
        #expect(try state(clock: "", text: "Q2 07:15").clockMs == 435_000, "empty clock: read from the status text")
        let ended = try state(clock: "", text: "End of 2nd Qtr     ")
        #expect(ended.clockMs == 0 && !ended.clockRunning)
        let half = try state(clock: "", text: "Halftime")
        #expect(half.status == .halftime && half.clockMs == 0)
        let rejected = TestSupport.rejected(
            NBAScoreboardAdapter.parse(try Fixtures.encode(JSONEdit.setting(raw, ["scoreboard", "games", 0, "gameClock"], to: "soon"))),
            "unreadable clock"
        )
        #expect(rejected.contains { $0.contains("scoreboard.games[0].gameClock") && $0.contains("soon") })
    }

    @Test func espnScoreboards() throws {
        let final = try TestSupport.accepted(
            ESPNScoreboardAdapter.parse(try Fixtures.bytes(Fixtures.espnScoreboardFinal)),
            "ESPN scoreboard"
        )
        let game = try #require(final.games.first)
        #expect(game.game.id == "espn-401772993")
        #expect(game.game.homeTeamId == "NYK" && game.game.awayTeamId == "IND", "NY → NYK")
        #expect(game.game.date == "2025-05-29" && game.game.venue == "Madison Square Garden")
        #expect(game.state == GameState(homeScore: 111, awayScore: 94, period: 4, clockMs: 0, clockRunning: false, status: .final))

        let day = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.bytes(Fixtures.espnScoreboardDay)), "ESPN day")
        #expect(day.games.count == 7)
        let teams = day.games.flatMap { [$0.game.homeTeamId, $0.game.awayTeamId] }
        for tricode in ["NOP", "WAS", "SAS", "GSW", "NYK"] { #expect(teams.contains(tricode), "\(tricode) from an ESPN alias") }
        #expect(day.games.allSatisfy { $0.state.status == .final && $0.game.date == "2024-12-15" })
    }

    @Test func espnPreseasonScoreboardWithANonNBATeam() throws {
        let bytes = try Fixtures.bytes(Fixtures.espnScoreboardPreseason)
        let reasons = TestSupport.rejected(ESPNScoreboardAdapter.parse(bytes), "scoreboard with Melbourne United")
        #expect(reasons.count == 1 && reasons[0].contains("MEL") && reasons[0].contains("Melbourne United"))
        let skipping = try TestSupport.accepted(ESPNScoreboardAdapter.parse(bytes, unknownTeams: .skipGame), "skipping")
        #expect(skipping.games.map(\.game.id) == ["espn-401812480"])
        #expect(skipping.skipped.count == 1)
        let scheduled = try #require(skipping.games.first)
        #expect(scheduled.state == GameState(status: .scheduled))
        #expect(scheduled.game.venue == "Etihad Arena")
    }

    @Test func espnStatusNames() throws {
        let raw = try Fixtures.json(Fixtures.espnScoreboardFinal)
        func read(_ name: String, _ state: String, period: Int = 3, clock: Double = 492) throws -> ScoreboardGame {
            let edited = JSONEdit.applying(
                raw,
                [
                    (["events", 0, "status", "type", "name"], name),
                    (["events", 0, "status", "type", "state"], state),
                    (["events", 0, "status", "period"], period),
                    (["events", 0, "status", "clock"], clock),
                    (["events", 0, "status", "displayClock"], "8:12"),
                ])
            let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.encode(edited)), name)
            return try #require(snapshot.games.first)
        }
        let live = try read("STATUS_IN_PROGRESS", "in")
        #expect(live.state.status == .live && live.state.clockMs == 492_000 && live.state.clockRunning && !live.periodEnded)
        let endOfPeriod = try read("STATUS_END_PERIOD", "in", clock: 0)
        #expect(endOfPeriod.state.status == .live && endOfPeriod.periodEnded && endOfPeriod.state.clockMs == 0)
        #expect(try read("STATUS_HALFTIME", "in", period: 2, clock: 0).state.status == .halftime)
        #expect(try read("STATUS_POSTPONED", "post", period: 0, clock: 0).state.status == .postponed)
        #expect(try read("STATUS_SOMETHING_NEW", "in").state.status == .live, "unknown names fall back to the state")
    }
}
