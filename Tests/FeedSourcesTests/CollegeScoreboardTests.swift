import CourtsideDomain
import CourtsideProto
import FeedSources
import Foundation
import TestSupport
import Testing

/// A real men's college basketball scoreboard (Tests/Fixtures/SOURCES.md): a league without seed
/// data, whose every game is kept with its teams created from ESPN's own data, in its league.
@Suite struct CollegeScoreboardTests {
    /// What each event of the capture says, read with Foundation (not with the adapter's reader).
    struct Expected {
        var id: String
        var home: [String: Any]
        var away: [String: Any]
    }

    static func expected() throws -> [Expected] {
        let root = try #require(try Fixtures.json(Fixtures.espnCollegeScoreboard) as? [String: Any])
        let events = try #require(root["events"] as? [[String: Any]])
        return try events.map { event in
            let competition = try #require((event["competitions"] as? [[String: Any]])?.first)
            let competitors = try #require(competition["competitors"] as? [[String: Any]])
            func team(_ side: String) throws -> [String: Any] {
                try #require(competitors.first { $0["homeAway"] as? String == side }?["team"] as? [String: Any])
            }
            return Expected(id: try #require(event["id"] as? String), home: try team("home"), away: try team("away"))
        }
    }

    @Test func everyGameIsKeptInItsLeagueWithItsTeamsCreatedFromESPNsData() throws {
        let bytes = try Fixtures.bytes(Fixtures.espnCollegeScoreboard)
        let expected = try Self.expected()
        #expect(expected.count == 2)
        // The payload names its league: no hint, the URL's, or a wrong one give the same games.
        for hint in [nil, Leagues.mensCollege, Leagues.nba] {
            let snapshot = try TestSupport.accepted(
                ESPNScoreboardAdapter.parse(bytes, league: hint, unknownTeams: .skipGame),
                "college scoreboard, hint \(hint?.id ?? "none")"
            )
            #expect(snapshot.skipped.isEmpty, "a game was skipped: \(snapshot.skipped.map(\.reason))")
            #expect(snapshot.games.map(\.game.id) == expected.map { "espn-\($0.id)" }, "every game, in the payload's order")
            for (game, wanted) in zip(snapshot.games, expected) {
                #expect(game.game.leagueId == "mens-college-basketball")
                #expect(game.state.status == .scheduled && game.game.status == .scheduled)
                for (teamId, provided) in [(game.game.homeTeamId, wanted.home), (game.game.awayTeamId, wanted.away)] {
                    let abbreviation = try #require(provided["abbreviation"] as? String)
                    #expect(teamId == "mens-college-basketball-\(abbreviation)")
                    #expect(SeedTeams.nba.all.allSatisfy { $0.message.id != teamId }, "\(teamId) is an NBA team's id")
                    let team = try #require(game.teams.first { $0.id == teamId }, "\(teamId) is not created with its game")
                    #expect(team.leagueId == "mens-college-basketball")
                    #expect(team.tricode == abbreviation)
                    #expect(team.city == provided["location"] as? String)
                    #expect(team.name == provided["name"] as? String)
                    #expect(team.primaryColor == "#" + ((provided["color"] as? String) ?? "").lowercased())
                }
            }
        }
    }

    @Test func theCollegeTeamsAreNeverTheNBAsEvenWhenTheirAbbreviationsAreNBAOnes() throws {
        // NC State's abbreviation edited to "BOS": still a college team, never the Celtics.
        let raw = try Fixtures.json(Fixtures.espnCollegeScoreboard)
        let edited = JSONEdit.applying(raw, [(["events", 1, "competitions", 0, "competitors", 0, "team", "abbreviation"], "BOS")])
        let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.encode(edited)), "edited college")
        let game = try #require(snapshot.games.last).game
        #expect(game.homeTeamId == "mens-college-basketball-BOS" && game.leagueId == "mens-college-basketball")
        #expect(snapshot.teams(of: [game.id]).first { $0.id == game.homeTeamId }?.name == "Wolfpack")
    }
}

extension CollegeScoreboardTests {
    /// The capture made live (a stated minimal edit: the first game in the first half with 18:20
    /// left, 21–19), as ESPN shows a men's college game being played.
    static func live(clock: Double, displayClock: String) throws -> [UInt8] {
        let status = ["events", 0, "status"] as [Any]
        let competitors = ["events", 0, "competitions", 0, "competitors"] as [Any]
        let edited = JSONEdit.applying(
            try Fixtures.json(Fixtures.espnCollegeScoreboard),
            [
                (status + ["clock"], clock), (status + ["displayClock"], displayClock), (status + ["period"], 1),
                (status + ["type", "name"], "STATUS_IN_PROGRESS"), (status + ["type", "state"], "in"),
                (competitors + [0, "score"], "21"), (competitors + [1, "score"], "19"),
            ])
        return try Fixtures.encode(edited)
    }

    @Test func aLiveMensCollegeGameInItsFirstHalfIsRead() throws {
        // 18:20 left: longer than an NBA quarter, within a college half.
        let snapshot = try TestSupport.accepted(
            ESPNScoreboardAdapter.parse(try Self.live(clock: 1100.0, displayClock: "18:20"), unknownTeams: .skipGame), "live college")
        let game = try #require(snapshot.games.first)
        #expect(snapshot.games.count == 2 && snapshot.skipped.isEmpty)
        #expect(game.state == GameState(homeScore: 21, awayScore: 19, period: 1, clockMs: 1_100_000, clockRunning: true, status: .live))
        // Longer than a half is still refused, and an NBA clock past 12:00 still is.
        let reasons = TestSupport.rejected(ESPNScoreboardAdapter.parse(try Self.live(clock: 1300.0, displayClock: "21:40")), "21:40")
        #expect(reasons.contains { $0.contains("longer than period 1") })
        let nba = JSONEdit.applying(
            try Fixtures.json(Fixtures.espnScoreboardFinal),
            [
                (["events", 0, "status", "clock"], 800.0), (["events", 0, "status", "period"], 1),
                (["events", 0, "status", "type", "name"], "STATUS_IN_PROGRESS"), (["events", 0, "status", "type", "state"], "in"),
            ])
        #expect(
            TestSupport.rejected(ESPNScoreboardAdapter.parse(try Fixtures.encode(nba)), "NBA 13:20").contains {
                $0.contains("longer than period 1")
            })
    }
}
