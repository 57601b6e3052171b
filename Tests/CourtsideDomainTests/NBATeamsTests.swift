import CourtsideDomain
import CourtsideProto
import Testing

/// The one table of teams: the schedule's seed and every spelling feeds use.
@Suite struct NBATeamsTests {
    @Test func allThirtyTeamsAndTheirAliases() {
        #expect(NBATeams.all.count == 30)
        #expect(Set(NBATeams.all.map(\.tricode)).count == 30)
        for team in NBATeams.all {
            #expect(NBATeams.lookup(abbreviation: team.tricode) == team)
            #expect(NBATeams.lookup(name: "\(team.market) \(team.name)") == team)
            #expect(NBATeams.lookup(name: team.name) == team)
        }
        let espn = ["GS": "GSW", "NY": "NYK", "SA": "SAS", "NO": "NOP", "UTAH": "UTA", "WSH": "WAS", "bos": "BOS", "PHX": "PHX"]
        for (alias, tricode) in espn { #expect(NBATeams.lookup(abbreviation: alias)?.tricode == tricode, "\(alias)") }
        #expect(NBATeams.lookup(name: "Los Angeles Clippers")?.tricode == "LAC")
        #expect(NBATeams.lookup(name: "LA Clippers")?.tricode == "LAC")
        #expect(NBATeams.lookup(name: "Los Angeles Lakers")?.tricode == "LAL")
        #expect(NBATeams.lookup(name: "Portland Trail Blazers")?.tricode == "POR")
        #expect(NBATeams.lookup(name: "Philadelphia 76ers")?.tricode == "PHI")
        #expect(NBATeams.lookup(abbreviation: "MEL") == nil)
        #expect(NBATeams.lookup(name: "Melbourne United") == nil)
    }

    @Test func theSeedMessagesCarryTheTable() {
        #expect(NBATeams.messages.count == 30)
        #expect(NBATeams.ids == Set(NBATeams.messages.map(\.id)))
        #expect(NBATeams.messages.map(\.id) == NBATeams.messages.map(\.id).sorted())
        for (team, message) in zip(NBATeams.all, NBATeams.messages) {
            #expect(message.id == team.tricode && message.tricode == team.tricode)
            #expect(message.city == team.market && message.name == team.name)
            #expect(message.conference == team.conference && message.division == team.division)
            #expect(message.primaryColor == team.primaryColor && message.secondaryColor == team.secondaryColor)
            #expect(!team.arena.isEmpty)
        }
        #expect(NBATeams.all.filter { $0.conference == "East" }.count == 15)
        #expect(Set(NBATeams.all.map(\.division)).count == 6)
        #expect(NBATeams.team(tricode: "GSW")?.arena == "Chase Center")
        #expect(NBATeams.team(tricode: "LAC")?.market == "LA")
        #expect(NBATeams.team(tricode: "gsw") == nil)
        #expect(NBATeams.lookup(abbreviation: " utah\n")?.tricode == "UTA")
    }
}
