import CourtsideProto
import TestSupport
import Testing

@testable import FeedSources

/// Each full-game fixture, replayed through its adapter, ends where the provider's own data says
/// and obeys the score service's rules.
@Suite struct FullGameFixtureTests {
    // MARK: NBA live data

    static func nbaFeed() throws -> GameFeed {
        try TestSupport.accepted(
            NBAPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.nbaPlayByPlay), boxscore: try Fixtures.bytes(Fixtures.nbaBoxscore)),
            "NBA play-by-play"
        )
    }

    @Test func nbaGameEndsWithTheBoxscoreResult() throws {
        let feed = try Self.nbaFeed()
        #expect(feed.game.id == "nba-0022000001")
        #expect(feed.game.homeTeamId == "BKN" && feed.game.awayTeamId == "GSW")
        #expect(feed.game.date == "2020-12-22")
        #expect(feed.game.venue == "Barclays Center")
        #expect(feed.game.status == .final)
        #expect(feed.state == GameState(homeScore: 125, awayScore: 99, period: 4, clockMs: 0, clockRunning: false, status: .final))
        #expect(feed.events.last?.state == feed.state)
        #expect(feed.events.last?.sourceId == "nba-0022000001-729", "the provider's Game End closes the game")
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty, "\(ServiceRulesValidator.violations(feed.events).prefix(3))")
        #expect(ServiceRulesValidator.statusChangesOutsideStatusEvents(feed.events).isEmpty)
        #expect(feed.events.filter { $0.kind == .periodStart }.compactMap { $0.state?.period } == [1, 2, 3, 4])
        #expect(feed.events.filter { $0.kind == .periodEnd }.compactMap { $0.state?.period } == [1, 2, 3, 4])
    }

    @Test func nbaScoringEventsMatchTheRawActions() throws {
        let feed = try Self.nbaFeed()
        let raw = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? [String: Any])
        let actions = try #require((raw["game"] as? [String: Any])?["actions"] as? [[String: Any]])
        #expect(actions.count == 610)
        let made = actions.filter {
            ["2pt", "3pt", "freethrow"].contains($0["actionType"] as? String) && ($0["shotResult"] as? String) == "Made"
        }
        // Counted a second way: actions (in order) after which the running score changed.
        var changes = 0
        var previous = ("0", "0")
        for action in actions.sorted(by: { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }) {
            let score = (action["scoreHome"] as? String ?? "", action["scoreAway"] as? String ?? "")
            if score != previous { changes += 1 }
            previous = score
        }
        let scoring = feed.events.filter { $0.points > 0 }
        #expect(made.count == 120 && changes == 120)
        #expect(scoring.count == made.count)
        #expect(scoring.allSatisfy { $0.kind == .basket || $0.kind == .freeThrow })
        #expect(scoring.reduce(0) { $0 + Int($1.points) } == 125 + 99)
        // Every action is published once under its own id.
        let ids = Set(feed.events.map(\.sourceId))
        #expect(actions.allSatisfy { ids.contains("nba-0022000001-\($0["actionNumber"] as? Int ?? -1)") })
    }

    @Test func nbaPeriodEndsMatchTheBoxscorePeriods() throws {
        let feed = try Self.nbaFeed()
        let box = try #require(try Fixtures.json(Fixtures.nbaBoxscore) as? [String: Any])
        let game = try #require(box["game"] as? [String: Any])
        func periods(_ side: String) -> [Int] {
            ((game[side] as? [String: Any])?["periods"] as? [[String: Any]] ?? []).compactMap { $0["score"] as? Int }
        }
        let home = TestSupport.cumulative(periods("homeTeam"))
        let away = TestSupport.cumulative(periods("awayTeam"))
        let ends = TestSupport.scoresAtPeriodEnds(feed.events)
        #expect(home.count == 4 && ends.count == 4)
        for period in 1...4 {
            let end = try #require(ends[UInt32(period)])
            #expect(Int(end.0) == home[period - 1] && Int(end.1) == away[period - 1], "period \(period)")
        }
        // NBA has its own period starts (the substitutions it lists before them happen during
        // the break): only tip-off and halftime are added.
        let added = feed.events.map(\.sourceId).filter { Int($0.split(separator: "-").last ?? "") == nil }
        #expect(added == ["nba-0022000001-live-p1", "nba-0022000001-halftime", "nba-0022000001-live-p3"])
        let halftimeSubs = feed.events.filter { $0.kind == .substitution && $0.state?.status == .halftime }
        #expect(halftimeSubs.count == 4 && halftimeSubs.allSatisfy { $0.state?.period == 2 })
        // Halftime follows the 2nd period's end; play resumes before the 3rd starts.
        let statuses = feed.events.filter { $0.kind == .statusChange }.map { $0.state?.status }
        #expect(statuses == [.live, .halftime, .live, .final])
    }

    @Test func nbaActionsAreOrderedByOrderNumberNotArrayOrActionNumber() throws {
        let original = try Self.nbaFeed()
        var raw = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? [String: Any])
        var game = try #require(raw["game"] as? [String: Any])
        let actions = try #require(game["actions"] as? [[String: Any]])
        // actionNumber is not in play order (11 inversions in this game)…
        let numbers = actions.map { $0["actionNumber"] as? Int ?? 0 }
        #expect(zip(numbers, numbers.dropFirst()).contains { $0 > $1 })
        // …and a provider may serve the array in any order: orderNumber decides.
        game["actions"] = TestSupport.shuffled(actions, seed: 99)
        raw["game"] = game
        let shuffled = try TestSupport.accepted(
            NBAPlayByPlayAdapter.parse(try Fixtures.encode(raw), boxscore: try Fixtures.bytes(Fixtures.nbaBoxscore)),
            "shuffled NBA play-by-play"
        )
        #expect(shuffled.events == original.events)
    }

    // MARK: ESPN summary

    static func espnFeed() throws -> GameFeed {
        try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummary)), "ESPN summary")
    }

    @Test func espnGameEndsWithTheHeaderResult() throws {
        let feed = try Self.espnFeed()
        #expect(feed.game.id == "espn-401585135")
        #expect(feed.game.homeTeamId == "IND" && feed.game.awayTeamId == "BOS")
        #expect(feed.game.date == "2024-01-08", "7 pm Eastern on January 8 is 00:00 UTC on the 9th")
        #expect(feed.game.venue == "Gainbridge Fieldhouse")
        #expect(feed.state == GameState(homeScore: 133, awayScore: 131, period: 4, clockMs: 0, clockRunning: false, status: .final))
        #expect(feed.events.last?.state?.status == .final)
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty, "\(ServiceRulesValidator.violations(feed.events).prefix(3))")
        #expect(ServiceRulesValidator.statusChangesOutsideStatusEvents(feed.events).isEmpty)
        #expect(feed.events.filter { $0.kind == .periodStart }.compactMap { $0.state?.period } == [1, 2, 3, 4])
        #expect(feed.events.filter { $0.kind == .periodEnd }.compactMap { $0.state?.period } == [1, 2, 3, 4])
    }

    @Test func espnScoringEventsMatchTheRawPlays() throws {
        let feed = try Self.espnFeed()
        let raw = try #require(try Fixtures.json(Fixtures.espnSummary) as? [String: Any])
        let plays = try #require(raw["plays"] as? [[String: Any]])
        let scoringPlays = plays.filter { ($0["scoringPlay"] as? Bool) == true }
        let scoring = feed.events.filter { $0.points > 0 }
        #expect(scoringPlays.count == 133)
        #expect(scoring.count == scoringPlays.count)
        #expect(scoring.map(\.points) == scoringPlays.map { UInt32($0["scoreValue"] as? Int ?? -1) })
        #expect(scoring.reduce(0) { $0 + Int($1.points) } == 133 + 131)
    }

    @Test func espnPlaysKeepArrayOrderNotSequenceNumbers() throws {
        let feed = try Self.espnFeed()
        let raw = try #require(try Fixtures.json(Fixtures.espnSummary) as? [String: Any])
        let plays = try #require(raw["plays"] as? [[String: Any]])
        let sequence = plays.map { Int($0["sequenceNumber"] as? String ?? "") ?? 0 }
        #expect(zip(sequence, sequence.dropFirst()).filter { $0 > $1 }.count == 5, "the fixture's known inversions")
        let playIds = Set(plays.map { "espn-\($0["id"] as? String ?? "")" })
        let published = feed.events.map(\.sourceId).filter { playIds.contains($0) }
        #expect(published == plays.map { "espn-\($0["id"] as? String ?? "")" })
        // ESPN has no period-start plays: each period gets one, derived from the game id.
        let starts = feed.events.filter { $0.kind == .periodStart }.map(\.sourceId)
        #expect(starts == (1...4).map { "espn-401585135-start-p\($0)" })
    }

    @Test func espnPeriodEndsMatchTheLinescores() throws {
        let feed = try Self.espnFeed()
        let raw = try #require(try Fixtures.json(Fixtures.espnSummary) as? [String: Any])
        let header = try #require(raw["header"] as? [String: Any])
        let competition = try #require((header["competitions"] as? [[String: Any]])?.first)
        var lines: [String: [Int]] = [:]
        for competitor in competition["competitors"] as? [[String: Any]] ?? [] {
            let side = competitor["homeAway"] as? String ?? ""
            let values = (competitor["linescores"] as? [[String: Any]] ?? []).map { Int($0["displayValue"] as? String ?? "") ?? 0 }
            lines[side] = TestSupport.cumulative(values)
        }
        let ends = TestSupport.scoresAtPeriodEnds(feed.events)
        for period in 1...4 {
            let end = try #require(ends[UInt32(period)])
            #expect(Int(end.0) == lines["home"]?[period - 1] && Int(end.1) == lines["away"]?[period - 1], "period \(period)")
        }
    }

    // MARK: Sportradar

    static func sportradarFeed() throws -> GameFeed {
        try TestSupport.accepted(
            SportradarPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.sportradarFullGame)),
            "Sportradar play-by-play"
        )
    }

    @Test func sportradarGameEndsWithTheSummedScore() throws {
        let feed = try Self.sportradarFeed()
        #expect(feed.game.id == "sr-0b33d607-fc51-4ef0-b06a-111064074ca9")
        #expect(feed.game.homeTeamId == "NOP" && feed.game.awayTeamId == "SAC", "from market + name, no alias")
        #expect(feed.game.date == "2016-01-28")
        #expect(feed.state == GameState(homeScore: 114, awayScore: 105, period: 4, clockMs: 0, clockRunning: false, status: .final))
        #expect(feed.events.last?.sourceId == "sr-0b33d607-fc51-4ef0-b06a-111064074ca9-final")
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty, "\(ServiceRulesValidator.violations(feed.events).prefix(3))")
        #expect(ServiceRulesValidator.statusChangesOutsideStatusEvents(feed.events).isEmpty)
        #expect(feed.events.filter { $0.kind == .periodStart }.compactMap { $0.state?.period } == [1, 2, 3, 4])
        #expect(feed.events.filter { $0.kind == .periodEnd }.compactMap { $0.state?.period } == [1, 2, 3, 4])
    }

    @Test func sportradarScoringEventsMatchTheRawStatistics() throws {
        let feed = try Self.sportradarFeed()
        let raw = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? [String: Any])
        let periods = try #require(raw["periods"] as? [[String: Any]])
        let events = periods.flatMap { $0["events"] as? [[String: Any]] ?? [] }
        #expect(events.count == 435)
        let scoringEvents = events.filter { event in
            (event["statistics"] as? [[String: Any]] ?? []).contains { ($0["points"] as? Int ?? 0) > 0 }
        }
        let scoring = feed.events.filter { $0.points > 0 }
        #expect(scoringEvents.count == 116)
        #expect(scoring.count == scoringEvents.count)
        #expect(scoring.map(\.sourceId) == scoringEvents.map { "sr-\($0["id"] as? String ?? "")" })
        // Period ends agree with the provider's own per-period scoring.
        let ends = TestSupport.scoresAtPeriodEnds(feed.events)
        let home = TestSupport.cumulative(
            periods.map { (($0["scoring"] as? [String: Any])?["home"] as? [String: Any])?["points"] as? Int ?? 0 })
        let away = TestSupport.cumulative(
            periods.map { (($0["scoring"] as? [String: Any])?["away"] as? [String: Any])?["points"] as? Int ?? 0 })
        for period in 1...4 {
            let end = try #require(ends[UInt32(period)])
            #expect(Int(end.0) == home[period - 1] && Int(end.1) == away[period - 1], "period \(period)")
        }
    }

    @Test func sportradarScheduledGameHasNoEvents() throws {
        let feed = try TestSupport.accepted(
            SportradarPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.sportradarScheduled)),
            "scheduled Sportradar game"
        )
        #expect(feed.game.id == "sr-558105d3-f58a-47c0-8232-e2d3693b091f")
        #expect(feed.game.homeTeamId == "MIA" && feed.game.awayTeamId == "MIN", "from alias")
        #expect(feed.game.status == .scheduled)
        #expect(feed.game.startTimeMs == 1_476_574_200_000)
        #expect(feed.events.isEmpty)
        #expect(feed.state == GameState(status: .scheduled))
    }

    // MARK: Replay timeline

    @Test func replayTimelineIsMonotonicAndScalesWithSpeed() throws {
        for feed in [try Self.nbaFeed(), try Self.espnFeed(), try Self.sportradarFeed()] {
            let realTime = ReplayTimeline.timeline(for: feed.events)
            let fast = ReplayTimeline.timeline(for: feed.events, speed: 24)
            #expect(realTime.map(\.event) == feed.events)
            #expect(zip(realTime, realTime.dropFirst()).allSatisfy { $0.wallOffsetMs <= $1.wallOffsetMs })
            let end = try #require(realTime.last)
            // Recorded games took between 2 and 2½ hours of wall time.
            #expect((100 * 60_000...170 * 60_000).contains(end.wallOffsetMs), "\(feed.game.id): \(end.wallOffsetMs / 60_000) min")
            #expect(end.gameElapsedMs == 48 * 60_000)
            #expect(abs(Double(end.wallOffsetMs) / 24 - Double(fast.last?.wallOffsetMs ?? 0)) <= 1)
        }
    }

    @Test func aTinySpeedMakesAGameThatNeverEndsNotAnOverflow() throws {
        let feed = try Self.nbaFeed()
        // Hours of a provider's timestamps divided by 1e-300 are far beyond Int64.
        let crawl = ReplayTimeline.timeline(for: feed.events, speed: 1e-300)
        #expect(crawl.last?.wallOffsetMs == ReplayTimeline.maximumOffsetMs)
        #expect(crawl.allSatisfy { $0.wallOffsetMs <= ReplayTimeline.maximumOffsetMs })
        // Added to a clock's anchor (milliseconds since 1970), the offset still fits.
        #expect(Int64(1_800_000_000_000).addingReportingOverflow(ReplayTimeline.maximumOffsetMs).overflow == false)
    }
}
