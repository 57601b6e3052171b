import CourtsideDomain
import CourtsideProto
import FeedSources
import Foundation
import TestSupport
import Testing

/// ESPN's scoreboards of every league: teams are resolved within the game's league only (the
/// WNBA's "NY" is the Liberty, never the Knicks), and a league without seed data has its teams
/// created from the payload, never skipped.
@Suite struct LeagueScoreboardTests {
    /// The WNBA capture with `leagues[0].slug` set, as ESPN's own responses carry it.
    private static func withSlug(_ slug: String, edits: [([Any], Any?)] = []) throws -> [UInt8] {
        let raw = try Fixtures.json(Fixtures.espnWNBAScoreboard)
        let edited = JSONEdit.applying(raw, edits + [(["leagues"], [["slug": slug]])])
        return try Fixtures.encode(edited)
    }

    @Test func aWNBAScoreboardGivesWNBATeamsAndSkipsNothing() throws {
        let bytes = try Fixtures.bytes(Fixtures.espnWNBAScoreboard)
        let snapshot = try TestSupport.accepted(
            ESPNScoreboardAdapter.parse(bytes, league: Leagues.wnba, unknownTeams: .skipGame),
            "WNBA scoreboard"
        )
        #expect(snapshot.skipped.isEmpty, "the Storm was skipped as an unknown team")
        #expect(snapshot.games.map(\.game.id) == ["espn-401736228", "espn-401736227"])
        let pairs = snapshot.games.map { [$0.game.homeTeamId, $0.game.awayTeamId] }
        #expect(pairs == [["wnba-NYL", "wnba-SEA"], ["wnba-CON", "wnba-LVA"]])
        #expect(snapshot.games.allSatisfy { $0.game.leagueId == "wnba" && $0.teams.isEmpty })
        let liberty = try #require(snapshot.games.first)
        #expect(liberty.state.homeScore == 70 && liberty.state.awayScore == 79 && liberty.state.status == .final)
        #expect(!pairs.joined().contains("NYK"), "the Liberty became the Knicks")
    }

    @Test func theLeagueComesFromThePayloadWhenItSaysSo() throws {
        // No hint: the payload's leagues[0].slug decides; the same abbreviations give WNBA teams.
        let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Self.withSlug("wnba")), "slug wnba")
        #expect(snapshot.games.map(\.game.homeTeamId) == ["wnba-NYL", "wnba-CON"])
        // The payload wins over a wrong hint.
        let hinted = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Self.withSlug("wnba"), league: Leagues.nba), "hint nba")
        #expect(hinted.games.map(\.game.awayTeamId) == ["wnba-SEA", "wnba-LVA"])
        // A league Courtside does not know is refused rather than read as another league's.
        let reasons = TestSupport.rejected(ESPNScoreboardAdapter.parse(try Self.withSlug("nfl")), "slug nfl")
        #expect(reasons.count == 1 && reasons[0].contains("unknown league") && reasons[0].contains("nfl"))
    }

    @Test func theFeverNeverBecomesThePacers() throws {
        // The first game's home team edited to the Fever, as ESPN spells it: "IND".
        let bytes = try Self.withSlug(
            "wnba",
            edits: [
                (["events", 0, "competitions", 0, "competitors", 0, "team", "abbreviation"], "IND"),
                (["events", 0, "competitions", 0, "competitors", 0, "team", "displayName"], "Indiana Fever"),
            ])
        let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(bytes), "Fever")
        let game = try #require(snapshot.games.first).game
        #expect(game.homeTeamId == "wnba-IND")
        #expect(SeedTeams.wnba.team(tricode: "IND")?.name == "Fever")
        // The NBA scoreboard's "IND" is still the Pacers, and its "NY" the Knicks.
        let nba = try TestSupport.accepted(ESPNScoreboardAdapter.parse(try Fixtures.bytes(Fixtures.espnScoreboardFinal)), "NBA")
        let nbaGame = try #require(nba.games.first).game
        #expect([nbaGame.homeTeamId, nbaGame.awayTeamId] == ["NYK", "IND"])
        #expect(nbaGame.leagueId == "nba" && nba.games.allSatisfy { $0.teams.isEmpty })
    }

    /// The WNBA's table is the 2025 season's 13 teams; the Toronto Tempo joined in 2026. A
    /// minimal edit of the real capture makes its first game's home team the Tempo, as ESPN
    /// would describe it (the colours are the edit's own): the game is kept, its new team
    /// created from the payload in the WNBA, while the seed teams stay the seed's.
    @Test func aNewWNBATeamIsCreatedFromThePayloadNotSkipped() throws {
        let tempo: [([Any], Any?)] = [
            (["events", 0, "competitions", 0, "competitors", 0, "team", "abbreviation"], "TOR"),
            (["events", 0, "competitions", 0, "competitors", 0, "team", "displayName"], "Toronto Tempo"),
            (["events", 0, "competitions", 0, "competitors", 0, "team", "location"], "Toronto"),
            (["events", 0, "competitions", 0, "competitors", 0, "team", "name"], "Tempo"),
            (["events", 0, "competitions", 0, "competitors", 0, "team", "color"], "6e1f3a"),
            (["events", 0, "competitions", 0, "competitors", 0, "team", "alternateColor"], "9cc3e6"),
        ]
        for policy in [UnknownTeamPolicy.skipGame, .reject] {
            let snapshot = try TestSupport.accepted(
                ESPNScoreboardAdapter.parse(try Self.withSlug("wnba", edits: tempo), unknownTeams: policy), "Tempo")
            #expect(snapshot.skipped.isEmpty && snapshot.games.count == 2, "the Tempo's game was skipped")
            let first = try #require(snapshot.games.first)
            #expect(first.game.leagueId == "wnba" && first.game.homeTeamId == "wnba-TOR" && first.game.awayTeamId == "wnba-SEA")
            #expect(
                first.teams
                    == [
                        Team(
                            id: "wnba-TOR", tricode: "TOR", city: "Toronto", name: "Tempo", primaryColor: "#6e1f3a",
                            secondaryColor: "#9cc3e6", leagueId: "wnba")
                    ], "only the new team is created; the Storm is the seed's")
            #expect(snapshot.games.last?.teams.isEmpty == true)
        }
        // The NBA's table is complete: a club it lacks is no NBA team (a preseason exhibition
        // opponent), skipped or refused as before.
        var nba = try Fixtures.json(Fixtures.espnScoreboardFinal)
        nba = JSONEdit.applying(
            nba,
            [
                (["events", 0, "competitions", 0, "competitors", 0, "team", "abbreviation"], "MEL"),
                (["events", 0, "competitions", 0, "competitors", 0, "team", "displayName"], "Melbourne United"),
            ])
        let skipped = try TestSupport.accepted(
            ESPNScoreboardAdapter.parse(try Fixtures.encode(nba), league: Leagues.nba, unknownTeams: .skipGame), "NBA")
        #expect(skipped.skipped.count == 1 && skipped.games.allSatisfy { $0.teams.isEmpty })
    }

    @Test func aLeagueWithoutSeedDataHasItsTeamsCreatedFromThePayload() throws {
        let bytes = try Self.withSlug(
            "mens-college-basketball",
            edits: [
                (["events", 0, "competitions", 0, "competitors", 0, "team", "location"], "New York"),
                (["events", 0, "competitions", 0, "competitors", 0, "team", "name"], "Liberty"),
                (["events", 0, "competitions", 0, "competitors", 0, "team", "color"], "6ECEB2"),
                (["events", 0, "competitions", 0, "competitors", 0, "team", "alternateColor"], "not a colour"),
            ])
        let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(bytes, unknownTeams: .reject), "college")
        #expect(snapshot.skipped.isEmpty && snapshot.games.count == 2)
        let first = try #require(snapshot.games.first)
        #expect(first.game.leagueId == "mens-college-basketball")
        #expect(first.game.homeTeamId == "mens-college-basketball-NY")
        let home = try #require(first.teams.first { $0.id == first.game.homeTeamId })
        #expect(
            home
                == Team(
                    id: "mens-college-basketball-NY", tricode: "NY", city: "New York", name: "Liberty",
                    primaryColor: "#6eceb2", secondaryColor: "", leagueId: "mens-college-basketball"
                ))
        // Without a nickname the display name is the name.
        let away = try #require(first.teams.first { $0.id == first.game.awayTeamId })
        #expect(away.name == "Seattle Storm" && away.tricode == "SEA" && away.leagueId == "mens-college-basketball")
        // Every created team once, for the games asked about.
        let all = snapshot.teams(of: snapshot.games.map(\.game.id))
        #expect(all.map(\.id).sorted() == ["CON", "LV", "NY", "SEA"].map { "mens-college-basketball-\($0)" })
        #expect(snapshot.teams(of: ["espn-401736227"]).count == 2)
    }

    @Test func aCreatedTeamsLongTextsAreCutToTheSchedulesLimitAndTheGameIsKept() throws {
        let long = String(repeating: "é", count: 150)  // 300 bytes
        let bytes = try Self.withSlug(
            "mens-college-basketball",
            edits: [
                (["events", 0, "competitions", 0, "competitors", 0, "team", "location"], long),
                (["events", 0, "competitions", 0, "competitors", 0, "team", "name"], long),
                (["events", 0, "competitions", 0, "competitors", 1, "team", "displayName"], long),
                (["events", 0, "competitions", 0, "competitors", 1, "team", "name"], ""),
            ])
        let snapshot = try TestSupport.accepted(ESPNScoreboardAdapter.parse(bytes, unknownTeams: .reject), "long texts")
        #expect(snapshot.skipped.isEmpty && snapshot.games.count == 2, "the game with long team texts was dropped")
        let first = try #require(snapshot.games.first)
        #expect(first.teams.count == 2)
        for team in first.teams {
            for text in [team.city, team.name, team.conference, team.division] {
                #expect(text.utf8.count <= RequestLimits.teamTextBytes, "\(team.id): \(text.utf8.count) bytes")
            }
        }
        let home = try #require(first.teams.first { $0.id == first.game.homeTeamId })
        #expect(home.city == String(repeating: "é", count: 100) && home.name == home.city)
        let away = try #require(first.teams.first { $0.id == first.game.awayTeamId })
        #expect(away.name == String(repeating: "é", count: 100), "the display name stands in for the name, cut")
    }

    @Test func theLeagueOfAnESPNURL() {
        #expect(Leagues.league(espnPath: "/apis/site/v2/sports/basketball/wnba/scoreboard")?.id == "wnba")
        #expect(
            Leagues.league(espnPath: "/apis/site/v2/sports/basketball/mens-college-basketball/scoreboard")?.id == "mens-college-basketball")
        #expect(Leagues.league(espnPath: "/apis/site/v2/sports/basketball/nba-development/scoreboard")?.id == "nba-development")
        #expect(Leagues.league(espnPath: "/apis/site/v2/sports/football/nfl/scoreboard") == nil)
        #expect(Leagues.league(espnPath: "/scoreboard.json") == nil)
    }
}
