import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

/// Leagues in the schedule: every game belongs to its teams' league, `ListGames` and
/// `ListTeams` filter by league, and a feed creates the teams of a league without seed data
/// with its games, over each store.
@Suite struct LeagueScheduleTests {
    static let college = "mens-college-basketball"

    static func collegeTeam(_ tricode: String, name: String) -> Team {
        Team(
            id: "\(college)-\(tricode)", tricode: tricode, city: "", name: name,
            primaryColor: "#001a57", secondaryColor: "#ffffff", leagueId: college
        )
    }

    @Test(arguments: StoreKind.allCases)
    func gamesBelongToTheirTeamsLeagueAndListsFilterByIt(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let duke = Self.collegeTeam("DUKE", name: "Duke Blue Devils")
        let unc = Self.collegeTeam("UNC", name: "North Carolina Tar Heels")
        let games = try await schedule.upsert(
            [
                makeGame("nba-1"),
                makeGame("wnba-1", home: "wnba-IND", away: "wnba-CHI", start: baseStart + 1, venue: "Gainbridge Fieldhouse"),
                makeGame("ncaam-1", home: duke.id, away: unc.id, start: baseStart + 2, venue: "Cameron Indoor Stadium"),
            ],
            teams: [duke, unc]
        )
        #expect(games.map(\.leagueId) == ["nba", "wnba", Self.college])

        func ids(_ leagues: [String]) async throws -> [String] {
            try await schedule.listGames(ListGamesRequest(leagueIds: leagues)).games.map(\.id)
        }
        #expect(try await ids([]) == ["nba-1", "wnba-1", "ncaam-1"])
        #expect(try await ids(["wnba"]) == ["wnba-1"])
        #expect(try await ids(["nba", Self.college]) == ["nba-1", "ncaam-1"])
        #expect(try await ids(["womens-college-basketball"]).isEmpty)
        #expect(try await schedule.game(id: "ncaam-1").leagueId == Self.college)

        let collegeTeams = try await schedule.listTeams(ListTeamsRequest(leagueIds: [Self.college])).teams
        #expect(collegeTeams == [duke, unc])
        #expect(try await schedule.listTeams(ListTeamsRequest(leagueIds: ["wnba"])).teams.count == 13)
        #expect(schedule.teams().contains(duke))

        let unknown = await rpcError { _ = try await schedule.listGames(ListGamesRequest(leagueIds: ["nfl"])) }
        #expect(unknown?.code == .notFound && unknown?.message.contains("league_ids[0]") == true)
        let malformed = await rpcError { _ = try await schedule.listTeams(ListTeamsRequest(leagueIds: ["w nba"])) }
        #expect(malformed?.code == .invalidArgument)
        await schedule.close()

        // Another replica (or a restart) knows the created teams from the store.
        guard kind != .sqliteMemory else { return }
        let reopened = try await fixture.schedule()
        #expect(reopened.teams().contains(unc))
        #expect(try await reopened.game(id: "ncaam-1").homeTeamId == duke.id)
        await reopened.close()
    }

    /// The WNBA grows (the Toronto Tempo joined in 2026, after its seed table was written): a
    /// feed adds a new team with its first game, as for a league without seed data.
    @Test(arguments: StoreKind.allCases)
    func aNewTeamOfAGrowingSeededLeagueComesWithItsGame(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let tempo = Team(
            id: "wnba-TOR", tricode: "TOR", city: "Toronto", name: "Tempo", primaryColor: "#6e1f3a", secondaryColor: "#9cc3e6",
            leagueId: "wnba")
        var game = makeGame("wnba-1", home: tempo.id, away: "wnba-IND")
        game.leagueId = ""
        _ = try await schedule.upsert([game], teams: [tempo])
        #expect(try await schedule.game(id: "wnba-1").leagueId == "wnba")
        #expect(try await schedule.listTeams(ListTeamsRequest(leagueIds: ["wnba"])).teams.contains(tempo))
        #expect(try await schedule.listTeams(ListTeamsRequest(leagueIds: ["wnba"])).teams.count == SeedTeams.wnba.all.count + 1)
        await schedule.close()
        guard kind != .sqliteMemory else { return }
        let reopened = try await fixture.schedule()
        #expect(reopened.teams().contains(tempo))
        await reopened.close()
    }

    @Test(arguments: StoreKind.allCases)
    func refusedLeaguesAndTeamsWriteNothing(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let duke = Self.collegeTeam("DUKE", name: "Duke")

        // A game between two leagues' teams.
        let mixed = await rpcError { _ = try await schedule.upsert([makeGame("x", home: "IND", away: "wnba-IND")]) }
        #expect(mixed?.code == .invalidArgument && mixed?.message.contains("one league") == true)
        // A game naming another league than its teams'.
        var named = makeGame("y")
        named.leagueId = "wnba"
        let wrong = await rpcError { _ = try await schedule.upsert([named]) }
        #expect(wrong?.code == .invalidArgument && wrong?.message.contains("league_id") == true)
        // A seeded league's team cannot be replaced: the Fever stays the Fever.
        var pacers = try #require(SeedTeams.wnba.team(tricode: "IND")).message
        pacers.name = "Pacers"
        let seeded = await rpcError { _ = try await schedule.upsert([], teams: [pacers]) }
        #expect(seeded?.code == .invalidArgument && seeded?.message.contains("is a seed team of wnba; it cannot be changed") == true)
        // The NBA's table is complete: no team joins it.
        let melbourne = Team(id: "MEL", tricode: "MEL", city: "Melbourne", name: "United", leagueId: "nba")
        let exhibition = await rpcError { _ = try await schedule.upsert([], teams: [melbourne]) }
        #expect(exhibition?.code == .invalidArgument && exhibition?.message.contains("\"nba\" has seed data") == true)
        // A team id that is not "<league>-<tricode>", and a bad colour.
        var misnamed = duke
        misnamed.id = "DUKE"
        #expect(await rpcError { _ = try await schedule.upsert([], teams: [misnamed]) }?.code == .invalidArgument)
        var badColour = duke
        badColour.primaryColor = "blue"
        #expect(await rpcError { _ = try await schedule.upsert([], teams: [badColour]) }?.code == .invalidArgument)
        // A valid team with a game that is refused: neither is written.
        let refused = await rpcError {
            _ = try await schedule.upsert([makeGame("z", home: duke.id, away: "XXX")], teams: [duke])
        }
        #expect(refused?.code == .notFound)

        #expect(try await schedule.listTeams(ListTeamsRequest(leagueIds: [Self.college])).teams.isEmpty)
        #expect(try await schedule.listTeams(ListTeamsRequest(leagueIds: ["wnba"])).teams.first { $0.tricode == "IND" }?.name == "Fever")
        #expect(try await schedule.listGames(ListGamesRequest()).games.isEmpty)
        await schedule.close()
    }

    @Test func leaguesAreListed() async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        #expect(schedule.leagues() == Leagues.all)
        #expect(schedule.leagues().map(\.id).contains("wnba"))
        await schedule.close()
    }
}
