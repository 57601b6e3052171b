import CourtsideProto
import TestSupport
import Testing

@testable import FeedSources

/// Successive scoreboard snapshots, built by editing fixtures, produce exactly the expected events.
@Suite struct ScoreboardDifferTests {
    static var nbaGame: [Any] { ["scoreboard", "games", 0] }

    /// The NBA playoff scoreboard with edits to its first game (GSW–SAC, live, Q2 7:15, 39–30).
    static func nba(_ edits: [(String, Any?)]) throws -> ScoreboardSnapshot {
        let raw = try Fixtures.json(Fixtures.nbaScoreboardPlayoffs)
        let edited = JSONEdit.applying(
            raw, edits.map { (nbaGame + $0.0.split(separator: ".").map { Int($0) as Any? ?? String($0) }, $0.1) })
        return try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.encode(edited)), "edited NBA scoreboard")
    }

    static func summary(_ events: [Event]) -> [String] {
        events.map { event in
            let state = event.state ?? GameState()
            return "\(event.kind.protoName ?? "?") \(event.teamId) \(event.points) "
                + "\(state.homeScore)-\(state.awayScore) p\(state.period) \(state.status.protoName ?? "?")"
        }
    }

    @Test func identicalSnapshotsProduceNothing() throws {
        for fixture in [Fixtures.nbaScoreboardPlayoffs, Fixtures.nbaScoreboardPlayIn] {
            let snapshot = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.bytes(fixture)), fixture)
            let diff = ScoreboardDiffer.diff(from: snapshot, to: snapshot)
            #expect(diff.events.isEmpty && diff.changedGames.isEmpty && diff.rejected.isEmpty)
            #expect(diff.baseline == ScoreboardSnapshot(games: snapshot.games))
        }
        for fixture in [Fixtures.espnScoreboardFinal, Fixtures.espnScoreboardDay] {
            let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.bytes(fixture)), fixture)
            #expect(ScoreboardDiffer.diff(from: snapshot, to: snapshot).events.isEmpty)
        }
    }

    @Test func aBasketIsOneEventWithItsPoints() throws {
        let before = try Self.nba([])
        let after = try Self.nba([("homeTeam.score", 41), ("gameClock", "PT07M02.00S"), ("gameStatusText", "Q2 07:02")])
        let diff = ScoreboardDiffer.diff(from: before, to: after)
        #expect(diff.rejected.isEmpty && diff.changedGames.isEmpty)
        #expect(diff.events.count == 1)
        let event = try #require(diff.events.first)
        #expect(event.kind == .basket && event.teamId == "GSW" && event.points == 2)
        #expect(event.gameId == "nba-0042200163")
        #expect(event.state == GameState(homeScore: 41, awayScore: 30, period: 2, clockMs: 422_000, clockRunning: true, status: .live))
        #expect(event.sourceId == "nba-0042200163-home@41-30-p2-live-422000")
        // A restarted feed deriving the same change publishes the same id.
        #expect(ScoreboardDiffer.diff(from: before, to: after).events == diff.events)
    }

    @Test func bothSidesScoringGiveOneEventEach() throws {
        let before = try Self.nba([])
        let after = try Self.nba([("homeTeam.score", 40), ("awayTeam.score", 33), ("gameClock", "PT06M40.00S")])
        let events = ScoreboardDiffer.diff(from: before, to: after).events
        #expect(
            Self.summary(events) == [
                "EVENT_KIND_FREE_THROW GSW 1 40-30 p2 GAME_STATUS_LIVE",
                "EVENT_KIND_BASKET SAC 3 40-33 p2 GAME_STATUS_LIVE",
            ])
        #expect(Set(events.map(\.sourceId)).count == 2)
    }

    @Test func severalPlaysBetweenPollsAreOneCatchUpEvent() throws {
        let events = ScoreboardDiffer.diff(from: try Self.nba([]), to: try Self.nba([("homeTeam.score", 46)])).events
        #expect(Self.summary(events) == ["EVENT_KIND_OTHER GSW 0 46-30 p2 GAME_STATUS_LIVE"])
        #expect(events.first?.description.contains("+7") == true)
    }

    @Test func aClockOnlyChangeProducesNothing() throws {
        let diff = ScoreboardDiffer.diff(from: try Self.nba([]), to: try Self.nba([("gameClock", "PT05M00.00S")]))
        #expect(diff.events.isEmpty)
        #expect(diff.baseline["nba-0042200163"]?.state.clockMs == 300_000, "the baseline still moves on")
    }

    @Test func aScoreGoingDownIsACorrection() throws {
        let events = ScoreboardDiffer.diff(from: try Self.nba([]), to: try Self.nba([("homeTeam.score", 37)])).events
        #expect(Self.summary(events) == ["EVENT_KIND_CORRECTION GSW 0 37-30 p2 GAME_STATUS_LIVE"])
        let start = try Self.nba([])["nba-0042200163"]?.state
        #expect(ServiceRulesValidator.violations(events, after: start).isEmpty)
    }

    @Test func halftimeThenTheThirdQuarter() throws {
        let live = try Self.nba([])
        let halftime = try Self.nba([
            ("homeTeam.score", 52), ("period", 2), ("gameClock", ""), ("gameStatusText", "Halftime"),
        ])
        let first = ScoreboardDiffer.diff(from: live, to: halftime)
        #expect(
            Self.summary(first.events) == [
                "EVENT_KIND_OTHER GSW 0 52-30 p2 GAME_STATUS_LIVE",
                "EVENT_KIND_PERIOD_END  0 52-30 p2 GAME_STATUS_LIVE",
                "EVENT_KIND_STATUS_CHANGE  0 52-30 p2 GAME_STATUS_HALFTIME",
            ])
        #expect(first.changedGames.map(\.status) == [.halftime])
        let third = try Self.nba([
            ("homeTeam.score", 52), ("awayTeam.score", 32), ("period", 3), ("gameClock", "PT11M40.00S"),
            ("gameStatusText", "Q3 11:40"),
        ])
        let second = ScoreboardDiffer.diff(from: first.baseline, to: third)
        #expect(
            Self.summary(second.events) == [
                "EVENT_KIND_STATUS_CHANGE  0 52-30 p3 GAME_STATUS_LIVE",
                "EVENT_KIND_PERIOD_START  0 52-30 p3 GAME_STATUS_LIVE",
                "EVENT_KIND_BASKET SAC 2 52-32 p3 GAME_STATUS_LIVE",
            ])
        #expect(second.events.last?.state?.clockMs == 700_000)
        let all = first.events + second.events
        let start = live["nba-0042200163"]?.state
        #expect(ServiceRulesValidator.violations(all, after: start).isEmpty)
        #expect(ServiceRulesValidator.statusChangesOutsideStatusEvents(all).isEmpty)
    }

    @Test func periodChangeEndsTheOldPeriodAndStartsTheNew() throws {
        let events = ScoreboardDiffer.diff(
            from: try Self.nba([]),
            to: try Self.nba([("period", 3), ("gameClock", "PT11M00.00S"), ("gameStatusText", "Q3 11:00")])
        ).events
        // Live throughout (a missed halftime is not invented): end of the 2nd, start of the 3rd.
        #expect(
            Self.summary(events) == [
                "EVENT_KIND_PERIOD_END  0 39-30 p2 GAME_STATUS_LIVE",
                "EVENT_KIND_PERIOD_START  0 39-30 p3 GAME_STATUS_LIVE",
            ])
        #expect(
            events.map(\.sourceId) == [
                "nba-0042200163-end-p2@39-30-p3-live-660000", "nba-0042200163-start-p3@39-30-p3-live-660000",
            ])
    }

    @Test func liveToFinal() throws {
        let fourth = try Self.nba([("period", 4), ("gameClock", "PT00M12.00S"), ("gameStatusText", "Q4 0:12"), ("homeTeam.score", 99)])
        let final = try Self.nba([
            ("period", 4), ("gameClock", ""), ("gameStatus", 3), ("gameStatusText", "Final"), ("homeTeam.score", 101),
        ])
        let diff = ScoreboardDiffer.diff(from: fourth, to: final)
        #expect(
            Self.summary(diff.events) == [
                "EVENT_KIND_BASKET GSW 2 101-30 p4 GAME_STATUS_LIVE",
                "EVENT_KIND_PERIOD_END  0 101-30 p4 GAME_STATUS_LIVE",
                "EVENT_KIND_STATUS_CHANGE  0 101-30 p4 GAME_STATUS_FINAL",
            ])
        #expect(diff.changedGames.map(\.status) == [.final])
        // After final only corrections: a later score fix is one correction; nothing else moves.
        let fixed = try Self.nba([
            ("period", 4), ("gameClock", ""), ("gameStatus", 3), ("gameStatusText", "Final"), ("homeTeam.score", 100),
        ])
        let after = ScoreboardDiffer.diff(from: diff.baseline, to: fixed).events
        #expect(Self.summary(after) == ["EVENT_KIND_CORRECTION  0 100-30 p4 GAME_STATUS_FINAL"])
        let start = fourth["nba-0042200163"]?.state
        #expect(ServiceRulesValidator.violations(diff.events + after, after: start).isEmpty)
    }

    @Test func staleSnapshotsAreRejectedAndTheBaselineKept() throws {
        let third = try Self.nba([("period", 3), ("gameClock", "PT11M00.00S")])
        let stale = try Self.nba([])
        let diff = ScoreboardDiffer.diff(from: third, to: stale)
        #expect(diff.events.isEmpty)
        #expect(diff.rejected.count == 1 && diff.rejected[0].reason.contains("period went back from 3 to 2"))
        #expect(diff.baseline["nba-0042200163"] == third["nba-0042200163"])
        // The other games of the same snapshot are unaffected.
        #expect(diff.baseline.games.count == 3)
        let finalAgain = try Self.nba([("gameStatus", 3), ("gameStatusText", "Final"), ("gameClock", "")])
        let back = ScoreboardDiffer.diff(from: finalAgain, to: stale)
        #expect(back.rejected.first?.reason.contains("final") == true)
    }

    @Test func firstSightingAndRestarts() throws {
        let snapshot = try TestSupport.accepted(
            NBAScoreboardAdapter.parse(try Fixtures.bytes(Fixtures.nbaScoreboardPlayIn)),
            "play-in scoreboard"
        )
        let first = ScoreboardDiffer.diff(from: nil, to: snapshot)
        // The live game: one status change carrying its whole state; the scheduled game: nothing.
        #expect(Self.summary(first.events) == ["EVENT_KIND_STATUS_CHANGE  0 23-38 p1 GAME_STATUS_LIVE"])
        #expect(first.changedGames.count == 2, "both games are new to the schedule")
        #expect(ScoreboardDiffer.diff(from: nil, to: snapshot).events == first.events, "a restart derives the same ids")

        // A final game seen for the first time after a restart gets the same id as the final
        // status change the feed derived before the restart, so the score service folds it.
        let fourth = try Self.nba([("period", 4), ("gameClock", "PT00M12.00S"), ("homeTeam.score", 99)])
        let final = try Self.nba([("period", 4), ("gameClock", ""), ("gameStatus", 3), ("gameStatusText", "Final"), ("homeTeam.score", 99)])
        let live = ScoreboardDiffer.diff(from: fourth, to: final).events.last
        let restarted = ScoreboardDiffer.diff(from: nil, to: final).events.first { $0.gameId == "nba-0042200163" }
        #expect(live?.sourceId == restarted?.sourceId)
        #expect(live?.sourceId == "nba-0042200163-final@99-30-p4-final-0")
    }

    @Test func espnTipOffThenAScore() throws {
        let raw = try Fixtures.json(Fixtures.espnScoreboardPreseason)
        let before = try TestSupport.accepted(
            ESPNScoreboardAdapter.parse(try Fixtures.encode(raw), unknownTeams: .skipGame),
            "preseason"
        )
        let edited = JSONEdit.applying(
            raw,
            [
                (["events", 0, "status", "type", "name"], "STATUS_IN_PROGRESS"),
                (["events", 0, "status", "type", "state"], "in"),
                (["events", 0, "status", "period"], 1),
                (["events", 0, "status", "clock"], 700.0),
                (["events", 0, "status", "displayClock"], "11:40"),
                (["events", 0, "competitions", 0, "competitors", 0, "score"], "2"),
            ])
        let after = try TestSupport.accepted(
            ESPNScoreboardAdapter.parse(try Fixtures.encode(edited), unknownTeams: .skipGame),
            "preseason, tipped off"
        )
        let diff = ScoreboardDiffer.diff(from: before, to: after)
        #expect(
            Self.summary(diff.events) == [
                "EVENT_KIND_STATUS_CHANGE  0 0-0 p1 GAME_STATUS_LIVE",
                "EVENT_KIND_PERIOD_START  0 0-0 p1 GAME_STATUS_LIVE",
                "EVENT_KIND_BASKET NYK 2 2-0 p1 GAME_STATUS_LIVE",
            ])
        #expect(diff.changedGames.map(\.id) == ["espn-401812480"])
        #expect(ServiceRulesValidator.violations(diff.events, after: before.games[0].state).isEmpty)
    }

    @Test func espnFourthQuarterToFinalWithStringScores() throws {
        let raw = try Fixtures.json(Fixtures.espnScoreboardFinal)
        let live = JSONEdit.applying(
            raw,
            [
                (["events", 0, "status", "type", "name"], "STATUS_IN_PROGRESS"),
                (["events", 0, "status", "type", "state"], "in"),
                (["events", 0, "status", "clock"], 30.0),
                (["events", 0, "status", "displayClock"], "0:30"),
                (["events", 0, "competitions", 0, "competitors", 0, "score"], "105"),
                (["events", 0, "competitions", 0, "competitors", 1, "score"], "92"),
            ])
        let before = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.encode(live)), "live")
        let after = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.encode(raw)), "final")
        let diff = ScoreboardDiffer.diff(from: before, to: after)
        #expect(
            Self.summary(diff.events) == [
                "EVENT_KIND_OTHER NYK 0 111-92 p4 GAME_STATUS_LIVE",
                "EVENT_KIND_BASKET IND 2 111-94 p4 GAME_STATUS_LIVE",
                "EVENT_KIND_PERIOD_END  0 111-94 p4 GAME_STATUS_LIVE",
                "EVENT_KIND_STATUS_CHANGE  0 111-94 p4 GAME_STATUS_FINAL",
            ])
    }

    @Test func postponement() throws {
        let raw = try Fixtures.json(Fixtures.nbaScoreboardPlayIn)
        let scheduled = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.encode(raw)), "play-in")
        let postponed = JSONEdit.applying(raw, [(["scoreboard", "games", 1, "gameStatusText"], "PPD")])
        let after = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.encode(postponed)), "postponed")
        let diff = ScoreboardDiffer.diff(from: scheduled, to: after)
        #expect(Self.summary(diff.events) == ["EVENT_KIND_STATUS_CHANGE  0 0-0 p0 GAME_STATUS_POSTPONED"])
        #expect(diff.changedGames.map(\.status) == [.postponed])
    }
}
