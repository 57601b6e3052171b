import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// The glitch corpus: for each glitch real providers have, a real payload (or a minimal edit of
/// one, described at each test) whose game is published whole, ends in the provider's own state,
/// publishes no play twice, and counts the glitch by kind.
@Suite struct ProviderGlitchTests {
    typealias Object = [String: Any]

    /// What every reconciled feed must satisfy: the score service accepts it, no source id twice.
    static func expectPublishable(_ feed: GameFeed, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            ServiceRulesValidator.violations(feed.events).isEmpty, "\(ServiceRulesValidator.violations(feed.events).prefix(3))",
            sourceLocation: sourceLocation)
        #expect(
            Set(feed.events.map(\.sourceId)).count == feed.events.count, "a source id is published twice",
            sourceLocation: sourceLocation)
        #expect(feed.events.last?.state == feed.state, sourceLocation: sourceLocation)
    }

    static func kinds(_ feed: GameFeed) -> [FeedGlitch.Kind] { feed.glitches.map(\.kind) }

    static func nba(_ actions: [Object], boxscore: Object? = nil) throws -> GameFeed {
        let (root, _, original) = try PlayByPlayConsistencyTests.nbaPayload()
        return try TestSupport.accepted(
            try PlayByPlayConsistencyTests.parseNBA(root, actions: actions, boxscore: boxscore ?? original),
            "edited NBA play-by-play"
        )
    }

    static func actionIndex(_ actions: [Object], number: Int) throws -> Int {
        try #require(actions.firstIndex { $0["actionNumber"] as? Int == number })
    }

    // MARK: Full games: no glitch, nothing reconciled

    @Test func fullGameReplaysHaveNoGlitches() throws {
        let nba = try FullGameFixtureTests.nbaFeed()
        #expect(nba.glitches.isEmpty, "\(nba.glitches)")
        let espn = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummary)), "ESPN summary")
        #expect(espn.glitches.isEmpty, "\(espn.glitches)")
        #expect(espn.state.status == .final && espn.state.homeScore == 133 && espn.state.awayScore == 131 && espn.state.period == 4)
        let sportradar = try TestSupport.accepted(
            SportradarPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.sportradarFullGame)), "Sportradar")
        #expect(sportradar.glitches.isEmpty, "\(sportradar.glitches)")
        #expect(sportradar.state.status == .final && sportradar.state.homeScore == 114 && sportradar.state.awayScore == 105)
    }

    // MARK: The live capture (issue 15): a stale score and a header ahead of the plays

    @Test func liveESPNCaptureWithAStaleScoreEndsLiveWhereTheHeaderIs() throws {
        let feed = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummaryLive)), "live capture")
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.staleScore, .headerAhead], "\(feed.glitches)")
        // Live, in the 4th quarter at 5:11, at the header's 118–114: never final.
        #expect(feed.state == GameState(homeScore: 118, awayScore: 114, period: 4, clockMs: 311_000, clockRunning: true, status: .live))
        #expect(feed.game.status == .live)
        #expect(!feed.events.contains { $0.state?.status == .final })
        // Every play of the capture is published once under its own id.
        let raw = try #require(try Fixtures.json(Fixtures.espnSummaryLive) as? Object)
        let plays = try #require(raw["plays"] as? [Object])
        #expect(plays.count == 422)
        let ids = feed.events.map(\.sourceId)
        for play in plays { #expect(ids.filter { $0 == "espn-\(play["id"] as? String ?? "")" }.count == 1) }
        // The stale play is published with the game's score, not its own.
        let stale = try #require(feed.events.first { $0.sourceId == "espn-401585135594" })
        #expect(stale.state?.homeScore == 115 && stale.state?.awayScore == 112 && stale.kind == .turnover)
        // The unedited game's plays up to the cut are the same events (the stale one aside).
        let full = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummary)), "ESPN summary")
        let prefix = Array(full.events.prefix { $0.sourceId != "espn-401585135607" })
        #expect(Array(feed.events.prefix(prefix.count)) == prefix)
        #expect(feed.events.last?.kind == .correction)
        #expect(feed.events.last?.sourceId == "espn-401585135-header@118-114-p4")
    }

    // MARK: Stale scores

    @Test func staleScoreOnANonScoringPlayIsIgnoredForTheScore() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        // Action 300 (a non-scoring play) shows the home score of 1 for a moment.
        var edited = actions
        let index = try Self.actionIndex(edited, number: 300)
        edited[index]["scoreHome"] = "1"
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.staleScore])
        #expect(feed.events == full.events, "the stale score changes nothing that is published")
        #expect(feed.state == full.state)
    }

    @Test func aLongRunOfStaleScoresIsReadInOnePass() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        // Action 300 (a non-scoring play) preceded by thousands of plays showing 1–1 at its moment:
        // each is stale (action 300 shows the score again), both sides dropped.
        var edited = actions
        let index = try Self.actionIndex(edited, number: 300)
        var stale = edited[index]
        stale["scoreHome"] = "1"
        stale["scoreAway"] = "1"
        let copies = PayloadLimits.plays - edited.count
        edited.insert(
            contentsOf: (0..<copies).map { number in
                var copy = stale
                copy["actionNumber"] = 1_000_000 + number
                return copy
            }, at: index)
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(Set(Self.kinds(feed)) == [.staleScore])
        #expect(feed.glitches.last?.detail == "… and \(copies - FeedRejection.maximumReasons + 1) more like it")
        #expect(feed.events.count == full.events.count + copies)
        #expect(feed.state == full.state)
    }

    @Test func staleScoreBeforeAFreeThrowIsStillStale() throws {
        // The and-one shape: a basket, the foul carrying the score before it, the free throw.
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        let sorted = actions.sorted { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }
        let freeThrow = try #require(
            sorted.indices.first {
                $0 > 2 && sorted[$0]["actionType"] as? String == "freethrow" && sorted[$0]["shotResult"] as? String == "Made"
                    && sorted[$0 - 1]["scoreHome"] as? String == sorted[$0 - 2]["scoreHome"] as? String
                    && sorted[$0 - 1]["scoreAway"] as? String == sorted[$0 - 2]["scoreAway"] as? String
                    && (Int(sorted[$0 - 1]["scoreHome"] as? String ?? "") ?? 0) > 2
            })
        var edited = sorted
        let side =
            (sorted[freeThrow]["scoreHome"] as? String) != (sorted[freeThrow - 1]["scoreHome"] as? String) ? "scoreHome" : "scoreAway"
        edited[freeThrow - 1][side] = String((Int(sorted[freeThrow - 1][side] as? String ?? "") ?? 0) - 2)
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.staleScore])
        #expect(feed.events == full.events)
    }

    // MARK: Plays out of order

    @Test func nbaPlayListedInALaterPeriodIsPlacedByItsPeriodAndClock() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        // A 2nd-quarter rebound whose clock no other action shares, listed after everything.
        let rebound = try #require(
            actions.first { action in
                action["period"] as? Int == 2 && action["actionType"] as? String == "rebound"
                    && actions.filter { $0["period"] as? Int == 2 && $0["clock"] as? String == action["clock"] as? String }.count == 1
            })
        var edited = actions
        let index = try Self.actionIndex(edited, number: rebound["actionNumber"] as? Int ?? -1)
        edited[index]["orderNumber"] = 9_000_000
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.outOfOrder])
        #expect(feed.events == full.events)
    }

    @Test func espnPlayListedLateIsPlacedByItsPeriodAndClock() throws {
        var root = try #require(try Fixtures.json(Fixtures.espnSummary) as? Object)
        var plays = try #require(root["plays"] as? [Object])
        let full = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummary)), "ESPN summary")
        // A 1st-quarter non-scoring play with a clock of its own, moved into the 3rd quarter.
        let index = try #require(
            plays.indices.first { index in
                let play = plays[index]
                let clock = (play["clock"] as? Object)?["displayValue"] as? String
                return (play["period"] as? Object)?["number"] as? Int == 1 && (play["scoringPlay"] as? Bool) == false
                    && plays.filter {
                        ($0["clock"] as? Object)?["displayValue"] as? String == clock && ($0["period"] as? Object)?["number"] as? Int == 1
                    }
                    .count == 1 && index > 10
            })
        let moved = plays.remove(at: index)
        let target = try #require(plays.firstIndex { ($0["period"] as? Object)?["number"] as? Int == 3 })
        plays.insert(moved, at: target + 5)
        root["plays"] = plays
        let feed = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.encode(root)), "moved play")
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.outOfOrder])
        #expect(feed.events == full.events)
    }

    // MARK: Baskets taken back

    @Test func basketRescindedWithoutAReviewBecomesACorrection() throws {
        let (_, actions, boxscore) = try PlayByPlayConsistencyTests.nbaPayload()
        // The first home basket (action 12, BKN 2–2) is taken back from the next action on.
        let basket = try Self.actionIndex(actions, number: 12)
        let order = actions[basket]["orderNumber"] as? Int ?? 0
        var edited = actions
        for index in edited.indices where (edited[index]["orderNumber"] as? Int ?? 0) > order {
            edited[index]["scoreHome"] = String((Int(edited[index]["scoreHome"] as? String ?? "") ?? 0) - 2)
        }
        let feed = try Self.nba(edited, boxscore: PlayByPlayConsistencyTests.withFinalScore(boxscore, home: 123, away: 99))
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.scoreTakenBack])
        // BOS's next basket (action 13) shows 0–4: a correction to 0–2 first, then the basket.
        let index = try #require(feed.events.firstIndex { $0.kind == .correction })
        #expect(feed.events[index].sourceId == "nba-0022000001-13-correction")
        #expect(feed.events[index].state?.homeScore == 0 && feed.events[index].state?.awayScore == 2)
        #expect(feed.events[index + 1].kind == .basket && feed.events[index + 1].points == 2)
        #expect(feed.events[index + 1].state?.homeScore == 0 && feed.events[index + 1].state?.awayScore == 4)
        #expect(feed.state.homeScore == 123 && feed.state.awayScore == 99 && feed.state.status == .final && feed.state.period == 4)
    }

    @Test func basketCreditedToTheOtherTeamBecomesACorrection() throws {
        let (_, actions, boxscore) = try PlayByPlayConsistencyTests.nbaPayload()
        let basket = try Self.actionIndex(actions, number: 12)
        let order = actions[basket]["orderNumber"] as? Int ?? 0
        var edited = actions
        for index in edited.indices where (edited[index]["orderNumber"] as? Int ?? 0) > order {
            edited[index]["scoreHome"] = String((Int(edited[index]["scoreHome"] as? String ?? "") ?? 0) - 2)
            edited[index]["scoreAway"] = String((Int(edited[index]["scoreAway"] as? String ?? "") ?? 0) + 2)
        }
        let feed = try Self.nba(edited, boxscore: PlayByPlayConsistencyTests.withFinalScore(boxscore, home: 123, away: 101))
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.scoreTakenBack])
        // BOS's next basket (action 13) now shows 0–6: the home side is corrected down first,
        // then the basket is published as a basket.
        let index = try #require(feed.events.firstIndex { $0.kind == .correction })
        #expect(feed.events[index].sourceId == "nba-0022000001-13-correction")
        #expect(feed.events[index].state?.homeScore == 0 && feed.events[index].state?.awayScore == 2)
        #expect(feed.events[index + 1].sourceId == "nba-0022000001-13" && feed.events[index + 1].kind == .basket)
        #expect(feed.events[index + 1].state?.homeScore == 0 && feed.events[index + 1].state?.awayScore == 6)
        #expect(feed.state.homeScore == 123 && feed.state.awayScore == 101 && feed.state.status == .final)
    }

    // MARK: Headers ahead of, or different from, the plays

    @Test func liveHeaderAheadOfThePlaysBringsTheGameToIt() throws {
        let (_, actions, boxscore) = try PlayByPlayConsistencyTests.nbaPayload()
        let sorted = actions.sorted { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }
        // The plays stop at the 300th; the boxscore is already at the 340th, in the next period.
        let ahead = sorted[339]
        let period = ahead["period"] as? Int ?? 0
        let live =
            JSONEdit.applying(
                boxscore,
                [
                    (["game", "gameStatus"], 2), (["game", "gameStatusText"], "Q\(period)"), (["game", "period"], period),
                    (["game", "gameClock"], ahead["clock"] as? String ?? ""),
                    (["game", "homeTeam", "score"], Int(ahead["scoreHome"] as? String ?? "") ?? 0),
                    (["game", "awayTeam", "score"], Int(ahead["scoreAway"] as? String ?? "") ?? 0),
                ]) as? Object ?? [:]
        #expect(sorted[299]["period"] as? Int ?? 0 < period, "the cut is in an earlier period")
        let feed = try Self.nba(Array(sorted.prefix(300)), boxscore: live)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.headerAhead])
        #expect(feed.state.status == .live && feed.state.period == UInt32(period))
        #expect(
            feed.state.homeScore == UInt32(ahead["scoreHome"] as? String ?? "")
                && feed.state.awayScore == UInt32(ahead["scoreAway"] as? String ?? ""))
        #expect(feed.events.contains { $0.kind == .periodStart && $0.state?.period == UInt32(period) })
    }

    @Test func halftimeHeaderWhileThePlaysAreStillInTheSecondQuarterEndsAtHalftime() throws {
        let (_, actions, boxscore) = try PlayByPlayConsistencyTests.nbaPayload()
        let sorted = actions.sorted { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }
        // The plays stop at the 300th action (2nd quarter); the boxscore says halftime, at the
        // score of the 2nd quarter's last action.
        let end = try #require(
            sorted.firstIndex { $0["actionType"] as? String == "period" && $0["subType"] as? String == "end" && $0["period"] as? Int == 2 })
        let half =
            JSONEdit.applying(
                boxscore,
                [
                    (["game", "gameStatus"], 2), (["game", "gameStatusText"], "Half"), (["game", "period"], 2),
                    (["game", "gameClock"], "PT00M00.00S"),
                    (["game", "homeTeam", "score"], Int(sorted[end]["scoreHome"] as? String ?? "") ?? 0),
                    (["game", "awayTeam", "score"], Int(sorted[end]["scoreAway"] as? String ?? "") ?? 0),
                ]) as? Object ?? [:]
        let feed = try Self.nba(Array(sorted.prefix(300)), boxscore: half)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.headerAhead])
        #expect(feed.state.status == .halftime && feed.state.period == 2 && !feed.state.clockRunning)
        #expect(Int(feed.state.homeScore) == Int(sorted[end]["scoreHome"] as? String ?? "") ?? -1)
        #expect(feed.events.suffix(2).map(\.kind) == [.periodEnd, .statusChange])
    }

    @Test func finalHeaderWithADifferentScoreWinsByACorrection() throws {
        let (_, actions, boxscore) = try PlayByPlayConsistencyTests.nbaPayload()
        let feed = try Self.nba(actions, boxscore: PlayByPlayConsistencyTests.withFinalScore(boxscore, home: 126, away: 99))
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.finalScoreDiffers])
        #expect(feed.events.last?.kind == .correction)
        #expect(feed.state == GameState(homeScore: 126, awayScore: 99, period: 4, clockMs: 0, clockRunning: false, status: .final))
    }

    @Test func gameThatEndedWhileThePlaysWereNotFollowedReachesFinal() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let sorted = actions.sorted { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }
        // The plays stop in the 3rd quarter; the boxscore is the final one.
        let cut = try #require(sorted.firstIndex { $0["period"] as? Int == 3 }) + 40
        let feed = try Self.nba(Array(sorted.prefix(cut)))
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.missingEnd, .finalScoreDiffers])
        #expect(feed.state == GameState(homeScore: 125, awayScore: 99, period: 4, clockMs: 0, clockRunning: false, status: .final))
        #expect(feed.events.filter { $0.state?.status == .final }.count == 1)
        #expect(feed.game.status == .final)
    }

    @Test func scoreboardGameThatEndedWhilePollingWasDownReachesFinal() throws {
        // A real live scoreboard (GSW–SAC in the 2nd quarter), then the same game final.
        let bytes = try Fixtures.bytes(Fixtures.nbaScoreboardPlayoffs)
        let live = try TestSupport.accepted(NBAScoreboardAdapter.parse(bytes), "live scoreboard")
        let final = JSONEdit.applying(
            try Fixtures.json(Fixtures.nbaScoreboardPlayoffs),
            [
                (["scoreboard", "games", 0, "gameStatus"], 3), (["scoreboard", "games", 0, "gameStatusText"], "Final"),
                (["scoreboard", "games", 0, "period"], 4), (["scoreboard", "games", 0, "gameClock"], ""),
                (["scoreboard", "games", 0, "homeTeam", "score"], 114), (["scoreboard", "games", 0, "awayTeam", "score"], 104),
            ])
        let later = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Fixtures.encode(final)), "final scoreboard")
        let diff = ScoreboardDiffer.diff(from: live, to: later)
        #expect(diff.rejected.isEmpty)
        #expect(diff.glitches.map(\.kind) == [.missingEnd])
        #expect(diff.glitches.first?.detail.hasPrefix("nba-0042200163") == true)
        let game = diff.events.filter { $0.gameId == "nba-0042200163" }
        #expect(game.last?.state == GameState(homeScore: 114, awayScore: 104, period: 4, clockMs: 0, clockRunning: false, status: .final))
        let before = try #require(live["nba-0042200163"]?.state)
        let violations = ServiceRulesValidator.violations(game, after: before)
        #expect(violations.isEmpty, "\(violations)")
    }

    // MARK: Repeated plays and plays after the end

    @Test func repeatedPlayIdIsPublishedOnce() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        var copy = actions[40]
        copy["orderNumber"] = (actions[40]["orderNumber"] as? Int ?? 0) + 1
        var edited = actions
        edited.insert(copy, at: 41)
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.duplicatePlay])
        #expect(feed.events == full.events)
    }

    @Test func playAfterTheEndIsLeftOut() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        var late = try #require(actions.first { $0["actionType"] as? String == "foul" })
        late["actionNumber"] = 9100
        late["orderNumber"] = 9_000_000
        late["period"] = 4
        late["clock"] = "PT00M00.00S"
        late["scoreHome"] = "125"
        late["scoreAway"] = "99"
        let feed = try Self.nba(actions + [late])
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.playAfterEnd])
        #expect(feed.events == full.events)
    }

    // MARK: Clocks and overtime

    @Test func clockFormatsParseAndAnEmptyClockIsUnknown() throws {
        #expect(GameClock.parse("PT05M41.00S") == 341_000)
        #expect(GameClock.parse("5:41") == 341_000)
        #expect(GameClock.parse("5:41 ") == 341_000)
        #expect(GameClock.parse("") == nil)
        #expect(GameClock.parse("  ") == nil)

        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        var edited = actions
        let rebound = try #require(edited.firstIndex { $0["actionType"] as? String == "rebound" && $0["period"] as? Int == 2 })
        let clock = try #require(edited[rebound]["clock"] as? String)
        let ms = try #require(GameClock.parse(clock))
        edited[rebound]["clock"] = "\(ms / 60_000):\(String(format: "%02d", ms % 60_000 / 1000)) "
        #expect(GameClock.parse(edited[rebound]["clock"] as? String ?? "") == ms - ms % 1000)
        if ms % 1000 == 0 {
            #expect(try Self.nba(edited).events == full.events, "\"m:ss \" reads as the ISO clock")
        }
        edited[rebound]["clock"] = ""
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(Self.kinds(feed) == [.unknownClock])
        let number = edited[rebound]["actionNumber"] as? Int ?? 0
        let index = try #require(feed.events.firstIndex { $0.sourceId == "nba-0022000001-\(number)" })
        #expect(feed.events[index].state?.clockMs == feed.events[index - 1].state?.clockMs, "the clock before it stands")
        #expect(feed.state == full.state)
    }

    @Test func glitchesOfOneKindAreCappedAndTheRestCounted() throws {
        let (_, actions, _) = try PlayByPlayConsistencyTests.nbaPayload()
        let full = try FullGameFixtureTests.nbaFeed()
        var edited = actions
        let rebound = try #require(edited.firstIndex { $0["actionType"] as? String == "rebound" && $0["period"] as? Int == 2 })
        var clockless = edited[rebound]
        clockless["clock"] = ""
        let copies = PayloadLimits.plays - edited.count  // as many as a payload may list: ~10,000
        edited.insert(
            contentsOf: (0..<copies).map { number in
                var copy = clockless
                copy["actionNumber"] = 1_000_000 + number
                return copy
            }, at: rebound + 1)
        let feed = try Self.nba(edited)
        Self.expectPublishable(feed)
        #expect(feed.events.count == full.events.count + copies)
        let unknown = feed.glitches.filter { $0.kind == .unknownClock }
        #expect(unknown.count == FeedRejection.maximumReasons && feed.glitches.count <= FeedRejection.maximumReasons)
        #expect(unknown.last?.detail == "… and \(copies - FeedRejection.maximumReasons + 1) more like it")
    }

    @Test func overtimePeriodsAreFiveMinutesAndEndFinal() throws {
        // The game's "Game End" replaced by an overtime period (the feed does not check that the
        // score was tied: the provider's plays and header decide), BKN scoring once in it.
        let (_, actions, boxscore) = try PlayByPlayConsistencyTests.nbaPayload()
        var edited = actions.filter { $0["actionType"] as? String != "game" }
        let last = edited.map { $0["orderNumber"] as? Int ?? 0 }.max() ?? 0
        let lastNumber = edited.map { $0["actionNumber"] as? Int ?? 0 }.max() ?? 0
        var template = try #require(edited.first { $0["actionType"] as? String == "period" })
        template.removeValue(forKey: "shotResult")
        func action(_ offset: Int, _ type: String, _ subType: String, clock: String, home: Int, made: Bool = false) -> Object {
            var action = template
            action["actionNumber"] = lastNumber + offset
            action["orderNumber"] = last + offset
            action["period"] = 5
            action["periodType"] = "OVERTIME"
            action["actionType"] = type
            action["subType"] = subType
            action["clock"] = clock
            action["scoreHome"] = String(home)
            action["scoreAway"] = "99"
            action.removeValue(forKey: "teamTricode")
            action["description"] = "\(type) \(subType)"
            if made { action["shotResult"] = "Made" }
            return action
        }
        edited += [
            action(1, "period", "start", clock: "PT05M00.00S", home: 125),
            action(2, "2pt", "Jump Shot", clock: "PT04M30.00S", home: 127, made: true),
            action(3, "period", "end", clock: "PT00M00.00S", home: 127),
            action(4, "game", "end", clock: "PT00M00.00S", home: 127),
        ]
        let overtimeBox =
            JSONEdit.applying(
                boxscore,
                [
                    (["game", "homeTeam", "score"], 127), (["game", "awayTeam", "score"], 99), (["game", "period"], 5),
                ]) as? Object ?? [:]
        let feed = try Self.nba(edited, boxscore: overtimeBox)
        Self.expectPublishable(feed)
        #expect(feed.glitches.isEmpty, "\(feed.glitches)")
        let start = try #require(feed.events.first { $0.kind == .periodStart && $0.state?.period == 5 })
        #expect(start.state?.clockMs == 300_000)
        let basket = try #require(feed.events.first { $0.sourceId == "nba-0022000001-\(lastNumber + 2)" })
        #expect(basket.state?.clockMs == 270_000 && basket.points == 2)
        #expect(feed.state == GameState(homeScore: 127, awayScore: 99, period: 5, clockMs: 0, clockRunning: false, status: .final))
        #expect(PeriodNames.name(of: 5) == "overtime")
    }
}
