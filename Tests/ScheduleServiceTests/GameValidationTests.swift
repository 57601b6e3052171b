import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

@Suite struct GameValidationTests {
    static let teams = NBATeams.ids

    func message(for game: Game, index: Int = 0) -> String? {
        do {
            try GameValidation.validate(game, index: index, teamIDs: Self.teams)
            return nil
        } catch {
            // A team that does not exist is NOT_FOUND; everything else is malformed.
            #expect(error.code == (error.message.hasSuffix("is not a known team") ? .notFound : .invalidArgument))
            return error.message
        }
    }

    @Test func aCompleteGameIsValid() throws {
        try GameValidation.validate(makeGame("nba-1"), index: 0, teamIDs: Self.teams)
        try GameValidation.validate(makeGame("0022500001", venue: ""), index: 0, teamIDs: Self.teams)
    }

    @Test func eachProblemNamesTheGameAndTheField() {
        var game = makeGame("")
        #expect(message(for: game, index: 3) == "games[3]: id: must not be empty")
        game = makeGame("nba 1")
        #expect(message(for: game) == "games[0] (id \"nba 1\"): id: \"nba 1\" contains a space or a control character")
        game = makeGame(String(repeating: "x", count: 129))
        #expect(message(for: game)?.hasSuffix("id: longer than 128 bytes") == true)
        game = makeGame("nba-1", home: "XYZ")
        #expect(message(for: game, index: 2) == "games[2] (id \"nba-1\"): home_team_id: \"XYZ\" is not a known team")
        game = makeGame("nba-1", away: "")
        #expect(message(for: game) == "games[0] (id \"nba-1\"): away_team_id: must not be empty")
        game = makeGame("nba-1", away: "bos")
        #expect(message(for: game) == "games[0] (id \"nba-1\"): away_team_id: \"bos\" is not a known team")
        game = makeGame("nba-1", home: "BOS", away: "BOS")
        #expect(message(for: game) == "games[0] (id \"nba-1\"): away_team_id: a team cannot play itself (home and away are both \"BOS\")")
        game = makeGame("nba-1", start: 0)
        #expect(message(for: game)?.contains("start_time_ms: must be a positive number") == true)
        game = makeGame("nba-1", status: .unspecified)
        #expect(message(for: game)?.hasPrefix("games[0] (id \"nba-1\"): status: must be specified") == true)
        game = makeGame("nba-1", status: GameStatus(rawValue: 42))
        #expect(message(for: game) == "games[0] (id \"nba-1\"): status: 42 is not a known status")
        game = makeGame("nba-1", venue: String(repeating: "v", count: 201))
        #expect(message(for: game) == "games[0] (id \"nba-1\"): venue: longer than 200 bytes")
        game = makeGame("nba-1", venue: "TD\u{0}Garden")
        #expect(message(for: game) == "games[0] (id \"nba-1\"): venue: contains a control character")
    }

    @Test(arguments: [
        "", "2025-1-01", "2025/10/21", "2025-13-01", "2025-02-29", "2025-04-31", "0000-01-01", "2025-10-21T00:00", "２０２５-10-21",
    ])
    func malformedDatesAreRefused(date: String) {
        #expect(
            message(for: makeGame("nba-1", date: date))
                == "games[0] (id \"nba-1\"): date: \"\(date)\" is not a calendar date written YYYY-MM-DD")
    }

    @Test(arguments: ["2025-10-21", "2024-02-29", "2000-02-29", "2025-12-31", "0001-01-01"])
    func calendarDatesAreAccepted(date: String) {
        #expect(GameDate.isCalendarDate(date))
    }

    @Test func aBatchRefusesTheSameGameTwiceAndTooManyGames() {
        #expect(throws: RPCError.self) {
            try GameValidation.validate(batch: [makeGame("a"), makeGame("b"), makeGame("a")], teamIDs: Self.teams, maximumCount: 10)
        }
        do {
            try GameValidation.validate(batch: [makeGame("a"), makeGame("b"), makeGame("a")], teamIDs: Self.teams, maximumCount: 10)
        } catch {
            #expect(error.message == "games[2] (id \"a\"): id: the same game is also games[0]")
        }
        do {
            try GameValidation.validate(batch: makeGames(11), teamIDs: Self.teams, maximumCount: 10)
            Issue.record("an oversized batch was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message == "games: 11 entries, at most 10 are accepted")
        }
    }

    @Test func theSeedTeamsAreTheThirtyNBATeams() {
        #expect(NBATeams.all.count == 30)
        #expect(Set(NBATeams.all.map(\.id)).count == 30)
        #expect(NBATeams.all.map(\.id) == NBATeams.all.map(\.id).sorted())
        for team in NBATeams.messages {
            #expect(team.id == team.tricode)
            #expect(team.id.count == 3 && team.id == team.id.uppercased())
            #expect(["East", "West"].contains(team.conference))
            #expect(!team.city.isEmpty && !team.name.isEmpty && !team.division.isEmpty)
            for colour in [team.primaryColor, team.secondaryColor] {
                #expect(colour.wholeMatch(of: /#[0-9a-f]{6}/) != nil, "\(team.id) colour \(colour)")
            }
        }
        let divisions = Dictionary(grouping: NBATeams.all, by: \.division)
        #expect(divisions.count == 6)
        #expect(divisions.values.allSatisfy { $0.count == 5 })
        #expect(NBATeams.all.filter { $0.conference == "East" }.count == 15)
        #expect(NBATeams.team(tricode: "GSW")?.name == "Warriors")
    }
}
