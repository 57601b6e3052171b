import CourtsideDomain
import CourtsideProto
import FeedSources
import Foundation
import TestSupport
import Testing

/// An ESPN game summary is read in its game's league: the payload's `header.league.slug`, else
/// the league the caller knows the game from (the scoreboard's), never the NBA by default when
/// the caller knows better.
@Suite struct SummaryLeagueTests {
    /// The live capture made a WNBA game (Liberty at home, Storm away, as the WNBA scoreboard
    /// fixture spells them), with or without the header's league. Its clocks are cut to the
    /// WNBA's 10-minute quarters (a play in the first two minutes of an NBA quarter reads 10:00).
    static func wnbaSummary(slug: String?) throws -> [UInt8] {
        let team = ["header", "competitions", 0, "competitors"] as [Any]
        var edits: [([Any], Any?)] = [(["header", "league"], slug.map { ["slug": $0] })]
        let plays = (try Fixtures.json(Fixtures.espnSummaryLive) as? [String: Any])?["plays"] as? [[String: Any]] ?? []
        for (index, play) in plays.enumerated() {
            guard let text = (play["clock"] as? [String: Any])?["displayValue"] as? String, let clock = GameClock.parse(text),
                clock > GameClock.periodLengthMs(1, leagueID: Leagues.wnba.id)
            else { continue }
            edits.append((["plays", index, "clock", "displayValue"], "10:00"))
        }
        for (index, names) in [["NY", "New York Liberty", "New York", "Liberty"], ["SEA", "Seattle Storm", "Seattle", "Storm"]].enumerated()
        {
            for (key, value) in zip(["abbreviation", "displayName", "location", "name"], names) {
                edits.append((team + [index, "team", key], value))
            }
        }
        return try Fixtures.encode(JSONEdit.applying(try Fixtures.json(Fixtures.espnSummaryLive), edits))
    }

    @Test func aWNBASummaryWithoutItsLeagueIsReadInTheLeagueTheCallerGives() throws {
        let bytes = try Self.wnbaSummary(slug: nil)
        // Read as the NBA's (the bug): the Storm is no NBA team, so the game is refused for good.
        let reasons = TestSupport.rejected(ESPNSummaryAdapter.parse(bytes), "WNBA summary read as the NBA's")
        #expect(reasons.contains { $0.contains("SEA") })
        let feed = try TestSupport.accepted(ESPNSummaryAdapter.parse(bytes, league: Leagues.wnba), "WNBA summary")
        #expect(feed.game.leagueId == "wnba")
        #expect([feed.game.homeTeamId, feed.game.awayTeamId] == ["wnba-NYL", "wnba-SEA"])
        let teams = Set(feed.events.map(\.teamId).filter { !$0.isEmpty })
        #expect(teams == ["wnba-NYL", "wnba-SEA"], "plays credited to \(teams)")
        // The same plays as the NBA capture it was made from, under the same ids.
        let nba = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummaryLive)), "NBA summary")
        #expect(feed.events.map(\.sourceId) == nba.events.map(\.sourceId))
        #expect(feed.state == nba.state)
    }

    @Test func theSummarysOwnLeagueWinsOverTheCallers() throws {
        let feed = try TestSupport.accepted(ESPNSummaryAdapter.parse(try Self.wnbaSummary(slug: "wnba"), league: Leagues.nba), "slug wnba")
        #expect(feed.game.leagueId == "wnba" && feed.game.homeTeamId == "wnba-NYL")
        let nba = try TestSupport.accepted(
            ESPNSummaryAdapter.parse(try Fixtures.bytes(Fixtures.espnSummary), league: Leagues.wnba), "slug nba")
        #expect(nba.game.leagueId == "nba" && [nba.game.homeTeamId, nba.game.awayTeamId] == ["IND", "BOS"])
    }
}
