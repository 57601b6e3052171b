import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// Providers' own corrections become `correction` events; glitches are reconciled (the corpus
/// is `ProviderGlitchTests`); payloads that cannot be read are rejected whole, with a reason.
@Suite struct PlayByPlayConsistencyTests {
    // MARK: NBA

    typealias Object = [String: Any]

    static func nbaPayload() throws -> (root: Object, actions: [Object], boxscore: Object) {
        let root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? Object)
        let actions = try #require((root["game"] as? Object)?["actions"] as? [Object])
        let boxscore = try #require(try Fixtures.json(Fixtures.nbaBoxscore) as? Object)
        return (root, actions, boxscore)
    }

    static func parseNBA(_ root: Object, actions: [Object], boxscore: Object) throws -> FeedResult<GameFeed> {
        var root = root
        var game = root["game"] as? Object ?? [:]
        game["actions"] = actions
        root["game"] = game
        return NBAPlayByPlayAdapter.parse(try Fixtures.encode(root), boxscore: try Fixtures.encode(boxscore))
    }

    static func withFinalScore(_ boxscore: Object, home: Int, away: Int) -> Object {
        JSONEdit.applying(boxscore, [(["game", "homeTeam", "score"], home), (["game", "awayTeam", "score"], away)]) as? Object ?? [:]
    }

    @Test func nbaBasketTakenBackAfterReviewIsACorrection() throws {
        var (root, actions, boxscore) = try Self.nbaPayload()
        // The first basket of the game (BKN, 2–2) is overturned by an instant replay right after it.
        let index = try #require(actions.firstIndex { $0["actionNumber"] as? Int == 12 })
        var review = actions[index]
        for key in ["shotResult", "shotDistance", "pointsTotal", "assistPersonId"] { review.removeValue(forKey: key) }
        review["actionNumber"] = 9001
        review["orderNumber"] = (actions[index]["orderNumber"] as? Int ?? 0) + 1
        review["actionType"] = "instantreplay"
        review["subType"] = "challenge"
        review["descriptor"] = "overturned"
        review["description"] = "Instant Replay (Challenge: Overturned)"
        review["scoreHome"] = "0"
        actions.insert(review, at: index + 1)
        for later in (index + 2)..<actions.count {
            actions[later]["scoreHome"] = String((Int(actions[later]["scoreHome"] as? String ?? "") ?? 0) - 2)
        }
        boxscore = Self.withFinalScore(boxscore, home: 123, away: 99)
        let feed = try TestSupport.accepted(try Self.parseNBA(root, actions: actions, boxscore: boxscore), "overturned basket")
        let correction = try #require(feed.events.first { $0.sourceId == "nba-0022000001-9001" })
        #expect(correction.kind == .correction)
        #expect(correction.state?.homeScore == 0 && correction.state?.awayScore == 2)
        #expect(feed.state.homeScore == 123 && feed.state.status == .final)
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty)
        _ = root
    }

    @Test func nbaPlayNumberedWithAnEarlierPeriodIsPlacedThereAndTheGameStillEndsRight() throws {
        let (root, actions, boxscore) = try Self.nbaPayload()
        var edited = actions
        let index = try #require(edited.firstIndex { $0["actionNumber"] as? Int == 400 })
        edited[index]["period"] = 2
        let feed = try TestSupport.accepted(try Self.parseNBA(root, actions: edited, boxscore: boxscore), "period back")
        #expect(feed.glitches.first?.kind == .outOfOrder && feed.glitches.first?.detail.contains("action 400") == true)
        #expect(feed.state == (try FullGameFixtureTests.nbaFeed()).state)
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty)
    }

    @Test func nbaPlayAfterTheEndIsLeftOutButAReviewIsACorrection() throws {
        let (root, actions, boxscore) = try Self.nbaPayload()
        var late = try #require(actions.first { $0["actionType"] as? String == "foul" })
        late["actionNumber"] = 9100
        late["orderNumber"] = 9_000_000
        late["period"] = 4
        late["clock"] = "PT00M00.00S"
        late["scoreHome"] = "125"
        late["scoreAway"] = "99"
        let leftOut = try TestSupport.accepted(try Self.parseNBA(root, actions: actions + [late], boxscore: boxscore), "foul after end")
        #expect(
            leftOut.glitches.map(\.kind) == [.playAfterEnd] && leftOut.glitches.first?.detail.contains("after the end of the game") == true)
        #expect(!leftOut.events.contains { $0.sourceId == "nba-0022000001-9100" })

        // A stat correction after the game: the last 3 is ruled a 2.
        var review = late
        review["actionType"] = "instantreplay"
        review["subType"] = "request"
        review["descriptor"] = "overturned"
        review["scoreAway"] = "98"
        let corrected = try TestSupport.accepted(
            try Self.parseNBA(root, actions: actions + [review], boxscore: Self.withFinalScore(boxscore, home: 125, away: 98)),
            "review after end"
        )
        #expect(corrected.events.last?.kind == .correction)
        #expect(corrected.state.awayScore == 98 && corrected.state.status == .final)
        #expect(ServiceRulesValidator.violations(corrected.events).isEmpty)
    }

    @Test func nbaUnreadablePayloadsAreRejected() throws {
        let (root, actions, boxscore) = try Self.nbaPayload()
        var stranger = actions
        stranger[3]["teamTricode"] = "LAL"
        #expect(
            TestSupport.rejected(try Self.parseNBA(root, actions: stranger, boxscore: boxscore), "wrong team")
                .contains { $0.contains("\"LAL\" is neither BKN nor GSW") })

        let unknown = JSONEdit.setting(boxscore, ["game", "homeTeam", "teamTricode"], to: "XYZ") as? Object ?? [:]
        #expect(
            TestSupport.rejected(try Self.parseNBA(root, actions: actions, boxscore: unknown), "unknown team")
                .contains { $0.contains("unknown team \"XYZ\"") })

        var textScore = actions
        textScore[10]["scoreHome"] = "twelve"
        #expect(
            TestSupport.rejected(try Self.parseNBA(root, actions: textScore, boxscore: boxscore), "text score")
                .contains { $0.contains("game.actions[10].scoreHome") })

        let otherGame = JSONEdit.setting(boxscore, ["game", "gameId"], to: "0022000002") as? Object ?? [:]
        #expect(
            TestSupport.rejected(try Self.parseNBA(root, actions: actions, boxscore: otherGame), "other game")
                .contains { $0.contains("nba-0022000002") })
    }

    @Test func nbaLiveCaptureStopsWhereThePlaysStop() throws {
        // The first 300 actions of the game, with the boxscore of a game still live at that point.
        let (root, actions, boxscore) = try Self.nbaPayload()
        let last = actions.sorted { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }[299]
        let live =
            JSONEdit.applying(
                boxscore,
                [
                    (["game", "gameStatus"], 2), (["game", "gameStatusText"], "Q2"), (["game", "period"], 2),
                    (["game", "gameClock"], last["clock"] as? String ?? ""),
                    (["game", "homeTeam", "score"], Int(last["scoreHome"] as? String ?? "") ?? -1),
                    (["game", "awayTeam", "score"], Int(last["scoreAway"] as? String ?? "") ?? -1),
                ]) as? Object ?? [:]
        let feed = try TestSupport.accepted(try Self.parseNBA(root, actions: Array(actions.prefix(300)), boxscore: live), "live capture")
        #expect(feed.state.status == .live)
        #expect(feed.game.status == .live)
        #expect(feed.glitches.isEmpty, "\(feed.glitches)")
        #expect(feed.events.last?.sourceId == "nba-0022000001-\(actions[299]["actionNumber"] as? Int ?? 0)")
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty)
        // Polling again later publishes the same ids for the same plays.
        let full = try FullGameFixtureTests.nbaFeed()
        #expect(Array(full.events.prefix(feed.events.count)) == feed.events)
    }

    // MARK: ESPN

    @Test func espnOverturnedChallengeIsACorrectionAndAMomentaryDropIsStale() throws {
        var root = try #require(try Fixtures.json(Fixtures.espnSummary) as? Object)
        var plays = try #require(root["plays"] as? [Object])
        let index = try #require(plays.firstIndex { ($0["scoringPlay"] as? Bool) == true && ($0["scoreValue"] as? Int) == 2 })
        let home = (plays[index]["homeScore"] as? Int ?? 0) > (plays[index - 1]["homeScore"] as? Int ?? 0)
        let side = home ? "homeScore" : "awayScore"

        var unmarked = plays
        unmarked[index + 1][side] = (plays[index][side] as? Int ?? 0) - 2
        root["plays"] = unmarked
        let momentary = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.encode(root)), "momentary drop")
        #expect(momentary.glitches.map(\.kind) == [.staleScore])
        #expect(momentary.glitches.first?.detail.contains("plays[\(index + 1)]") == true)
        #expect(momentary.state.homeScore == 133 && momentary.state.awayScore == 131)

        var review = plays[index]
        review["id"] = "4015851359999"
        review["type"] = ["id": "215", "text": "Coach's Challenge (Overturned)"]
        review["text"] = "Coach's challenge: basket overturned"
        review["scoringPlay"] = false
        review["scoreValue"] = 0
        review[side] = (plays[index][side] as? Int ?? 0) - 2
        plays.insert(review, at: index + 1)
        for later in (index + 2)..<plays.count { plays[later][side] = (plays[later][side] as? Int ?? 0) - 2 }
        root["plays"] = plays
        let competitorIndex = home ? 0 : 1
        root =
            JSONEdit.setting(root, ["header", "competitions", 0, "competitors", competitorIndex, "score"], to: home ? "131" : "129")
            as? Object ?? [:]
        let feed = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.encode(root)), "overturned challenge")
        #expect(feed.events.first { $0.sourceId == "espn-4015851359999" }?.kind == .correction)
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty)
    }

    // MARK: Sportradar

    @Test func sportradarReviewWithNegativePointsIsACorrection() throws {
        var root = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? Object)
        var periods = try #require(root["periods"] as? [Object])
        var events = try #require(periods[3]["events"] as? [Object])
        let homeId = (root["home"] as? Object)?["id"] as? String ?? ""
        let team: Object = ["id": homeId, "name": "Pelicans", "market": "New Orleans"]
        var review: Object = [
            "id": "00000000-0000-0000-0000-00000000beef", "event_type": "review", "clock": events[50]["clock"] ?? "5:00",
            "updated": "2016-01-29T03:00:00+00:00", "description": "Replay review: basket overturned",
            "attribution": team, "statistics": [["type": "fieldgoal", "points": -2, "team": team]],
        ]
        events.insert(review, at: 50)
        periods[3]["events"] = events
        root["periods"] = periods
        root = JSONEdit.setting(root, ["home", "points"], to: 112) as? Object ?? [:]
        let feed = try TestSupport.accepted(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(root)), "review")
        #expect(feed.events.first { $0.sourceId.hasSuffix("beef") }?.kind == .correction)
        #expect(feed.state.homeScore == 112)
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty)

        // The same negative points on an ordinary event: the basket is taken back all the same.
        review["event_type"] = "rebound"
        events[50] = review
        periods[3]["events"] = events
        root["periods"] = periods
        let unmarked = try TestSupport.accepted(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(root)), "unmarked drop")
        #expect(unmarked.glitches.map(\.kind) == [.scoreTakenBack])
        #expect(unmarked.events.first { $0.sourceId.hasSuffix("beef-correction") }?.kind == .correction)
        #expect(unmarked.events.first { $0.sourceId.hasSuffix("beef") }?.kind == .rebound)
        #expect(unmarked.state.homeScore == 112 && unmarked.state.status == .final)
        #expect(ServiceRulesValidator.violations(unmarked.events).isEmpty)
    }

    @Test func sportradarHeaderTotalWinsAndUnreadablePayloadsAreRejected() throws {
        let root = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? Object)
        let wrongTotal = JSONEdit.setting(root, ["away", "points"], to: 107)
        let corrected = try TestSupport.accepted(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(wrongTotal)), "total")
        #expect(corrected.glitches.map(\.kind) == [.finalScoreDiffers])
        #expect(
            corrected.glitches.first?.detail.contains("114–107") == true && corrected.glitches.first?.detail.contains("114–105") == true)
        #expect(corrected.state.awayScore == 107 && corrected.state.status == .final)
        #expect(corrected.events.suffix(2).map(\.kind) == [.correction, .statusChange], "the header's score, then final")
        let stranger = JSONEdit.applying(root, [(["away", "market"], "Melbourne"), (["away", "name"], "United")])
        #expect(
            TestSupport.rejected(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(stranger)), "unknown team")
                .contains { $0.contains("Melbourne United") })
        let firstEvents = ((root["periods"] as? [Object])?.first?["events"] as? [Object]) ?? []
        let made = try #require(firstEvents.firstIndex { $0["event_type"] as? String == "twopointmade" })
        let missingPoints = JSONEdit.setting(root, ["periods", 0, "events", made, "statistics"], to: nil)
        let reasons = TestSupport.rejected(
            SportradarPlayByPlayAdapter.parse(try Fixtures.encode(missingPoints)), "made shot without points")
        #expect(reasons.contains { $0.contains("periods[0].events[\(made)]") && $0.contains("\"twopointmade\" credited with 0 points") })
        let status = JSONEdit.setting(root, ["status"], to: "exploded")
        #expect(
            TestSupport.rejected(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(status)), "status")
                .contains { $0.contains("unknown game status \"exploded\"") })
    }
}
