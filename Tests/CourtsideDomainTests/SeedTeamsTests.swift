import CourtsideDomain
import CourtsideProto
import Testing

/// The seeded leagues: team ids unique across leagues, lookups that never leave a league.
@Suite struct SeedTeamsTests {
    @Test func theWNBAsThirteenTeams() {
        let wnba = SeedTeams.wnba
        #expect(wnba.all.count == 13)
        #expect(Set(wnba.all.map(\.tricode)).count == 13)
        for team in wnba.all {
            #expect(team.leagueID == "wnba")
            #expect(team.id == "wnba-\(team.tricode)")
            #expect(wnba.lookup(abbreviation: team.tricode) == team)
            #expect(wnba.lookup(name: "\(team.market) \(team.name)") == team)
            #expect(team.primaryColor.count == 7 && team.secondaryColor.count == 7)
        }
        let espn = ["NY": "NYL", "LA": "LAS", "LV": "LVA", "GS": "GSV", "PHX": "PHO", "WSH": "WAS", "CONN": "CON", "ind": "IND"]
        for (alias, tricode) in espn { #expect(wnba.lookup(abbreviation: alias)?.tricode == tricode, "\(alias)") }
        #expect(wnba.all.filter { $0.conference == "East" }.count == 6)
    }

    @Test func lookupsStayInTheirLeague() {
        #expect(SeedTeams.wnba.lookup(abbreviation: "IND")?.name == "Fever")
        #expect(SeedTeams.nba.lookup(abbreviation: "IND")?.name == "Pacers")
        #expect(SeedTeams.wnba.lookup(abbreviation: "NY")?.name == "Liberty")
        #expect(SeedTeams.nba.lookup(abbreviation: "NY")?.name == "Knicks")
        #expect(SeedTeams.wnba.lookup(name: "Indiana Pacers") == nil)
        #expect(SeedTeams.nba.lookup(name: "Minnesota Lynx") == nil)
        #expect(SeedTeams.wnba.lookup(abbreviation: "BOS") == nil)
    }

    @Test func idsAreUniqueAcrossLeagues() {
        let messages = SeedTeams.messages
        #expect(messages.count == 43)
        #expect(Set(messages.map(\.id)).count == 43)
        #expect(messages.map(\.id) == messages.map(\.id).sorted())
        #expect(SeedTeams.ids == Set(messages.map(\.id)))
        #expect(messages.first { $0.id == "IND" }?.leagueId == "nba")
        #expect(messages.first { $0.id == "wnba-IND" }?.leagueId == "wnba")
        #expect(NBATeams.ids.isSubset(of: SeedTeams.ids))
    }

    @Test func leagues() {
        #expect(Leagues.all.map(\.id) == ["mens-college-basketball", "nba", "nba-development", "wnba", "womens-college-basketball"])
        #expect(Leagues.league(id: "wnba")?.shortName == "WNBA")
        #expect(Leagues.league(id: "WNBA") == nil)
        #expect(Leagues.teamID(leagueID: "nba", abbreviation: "BOS") == "BOS")
        #expect(Leagues.teamID(leagueID: "wnba", abbreviation: "IND") == "wnba-IND")
        #expect(SeedTeams.forLeague("wnba")?.league == Leagues.wnba)
        #expect(SeedTeams.forLeague("mens-college-basketball") == nil)
    }
}
