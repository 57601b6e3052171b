import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// Every list an adapter reads has a length it refuses beyond (the payload whole, as too large),
/// and every id a length and an alphabet: real payloads stay far below, hostile ones are cut off
/// before they turn into thousands of games or events.
@Suite struct PayloadLimitsTests {
    /// The categories of a rejection, or [] when the payload was accepted.
    static func categories<T>(_ result: FeedResult<T>) -> Set<FeedError.Category> {
        Set(result.reasons.map(\.category))
    }

    /// `array` repeated to `count` elements.
    static func repeated(_ array: Any?, to count: Int) throws -> [Any] {
        let elements = try #require(array as? [Any])
        return (0..<count).map { elements[$0 % elements.count] }
    }

    @Test func scoreboardsListAtMostTheirLimitOfGames() throws {
        let nba = try Fixtures.json(Fixtures.nbaScoreboardPlayoffs)
        let games = JSONEdit.value(nba, ["scoreboard", "games"])
        let over = JSONEdit.setting(nba, ["scoreboard", "games"], to: try Self.repeated(games, to: PayloadLimits.games + 1))
        #expect(Self.categories(NBAScoreboardAdapter.parse(try Fixtures.encode(over))) == [.tooLarge])
        // At the limit the games are read (and these repeat one another).
        let at = JSONEdit.setting(nba, ["scoreboard", "games"], to: try Self.repeated(games, to: PayloadLimits.games))
        #expect(Self.categories(NBAScoreboardAdapter.parse(try Fixtures.encode(at))) == [.invalid])

        let espn = try Fixtures.json(Fixtures.espnScoreboardFinal)
        let events = try Self.repeated(JSONEdit.value(espn, ["events"]), to: PayloadLimits.games + 1)
        #expect(
            Self.categories(ESPNScoreboardAdapter.parse(try Fixtures.encode(JSONEdit.setting(espn, ["events"], to: events)))) == [.tooLarge]
        )
    }

    @Test func playByPlaysListAtMostTheirLimitOfPlays() throws {
        let boxscore = try Fixtures.bytes(Fixtures.nbaBoxscore)
        let nba = try Fixtures.json(Fixtures.nbaPlayByPlay)
        let actions = try Self.repeated(JSONEdit.value(nba, ["game", "actions"]), to: PayloadLimits.plays + 1)
        let nbaOver = try Fixtures.encode(JSONEdit.setting(nba, ["game", "actions"], to: actions))
        #expect(Self.categories(NBAPlayByPlayAdapter.parse(nbaOver, boxscore: boxscore)) == [.tooLarge])

        let espn = try Fixtures.json(Fixtures.espnSummary)
        let plays = try Self.repeated(JSONEdit.value(espn, ["plays"]), to: PayloadLimits.plays + 1)
        #expect(Self.categories(ESPNSummaryAdapter.parse(try Fixtures.encode(JSONEdit.setting(espn, ["plays"], to: plays)))) == [.tooLarge])

        // Sportradar: each period within the limit, all of them together over it.
        let sportradar = try Fixtures.json(Fixtures.sportradarFullGame)
        let periods = try #require(JSONEdit.value(sportradar, ["periods"]) as? [Any])
        var edited: Any = sportradar
        let perPeriod = PayloadLimits.plays / periods.count + 1
        for index in periods.indices {
            let events = try Self.repeated(JSONEdit.value(sportradar, ["periods", index, "events"]), to: perPeriod)
            edited = JSONEdit.setting(edited, ["periods", index, "events"], to: events)
        }
        #expect(Self.categories(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(edited))) == [.tooLarge])
    }

    @Test func sportradarListsAtMostTheirLimitsOfPeriodsAndStatistics() throws {
        let sportradar = try Fixtures.json(Fixtures.sportradarFullGame)
        let periods = try Self.repeated(JSONEdit.value(sportradar, ["periods"]), to: PayloadLimits.periods + 1)
        #expect(
            Self.categories(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(JSONEdit.setting(sportradar, ["periods"], to: periods))))
                == [.tooLarge])

        let events = try #require(JSONEdit.value(sportradar, ["periods", 0, "events"]) as? [[String: Any]])
        let index = try #require(events.firstIndex { ($0["statistics"] as? [Any])?.isEmpty == false })
        let statistics = try Self.repeated(events[index]["statistics"], to: PayloadLimits.statistics + 1)
        let edited = JSONEdit.setting(sportradar, ["periods", 0, "events", index, "statistics"], to: statistics)
        #expect(Self.categories(SportradarPlayByPlayAdapter.parse(try Fixtures.encode(edited))).contains(.tooLarge))
    }

    @Test func idsHaveALengthAndAnAlphabet() throws {
        let espn = try Fixtures.json(Fixtures.espnScoreboardFinal)
        let longest = String(repeating: "7", count: JSONNode.maximumIdentifierBytes)
        let accepted = ESPNScoreboardAdapter.parse(try Fixtures.encode(JSONEdit.setting(espn, ["events", 0, "id"], to: longest)))
        #expect(accepted.value?.games.first?.game.id == "espn-\(longest)")
        for id in [longest + "7", "401 585", "401\n585", String(repeating: "9", count: 1_000_000)] {
            let reasons = TestSupport.rejected(
                ESPNScoreboardAdapter.parse(try Fixtures.encode(JSONEdit.setting(espn, ["events", 0, "id"], to: id))), "id of \(id.count)")
            #expect(reasons.allSatisfy { $0.unicodeScalars.count <= FeedError.maximumReasonScalars + 1 }, "reasons quote excerpts")
        }
    }

    @Test func longTextsAreCutNotCopied() throws {
        let nba = try Fixtures.json(Fixtures.nbaBoxscore)
        let long = String(repeating: "Arena ", count: 100_000)
        let edited = JSONEdit.setting(nba, ["game", "arena", "arenaName"], to: long)
        let game = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.encode(edited)), "a boxscore with a long arena name")
        #expect(game.game.venue.utf8.count <= JSONNode.maximumVenueBytes && game.game.venue.hasPrefix("Arena Arena"))

        // An unknown team of a megabyte is named by an excerpt.
        let scoreboard = try Fixtures.json(Fixtures.nbaScoreboardPlayoffs)
        let team = JSONEdit.setting(scoreboard, ["scoreboard", "games", 0, "homeTeam", "teamTricode"], to: long)
        let reasons = TestSupport.rejected(NBAScoreboardAdapter.parse(try Fixtures.encode(team)), "a megabyte team")
        #expect(reasons.count == 1 && reasons[0].utf8.count < 500, "\(reasons.map(\.count))")
        #expect(Self.categories(NBAScoreboardAdapter.parse(try Fixtures.encode(team))) == [.unknownTeam])
    }
}
