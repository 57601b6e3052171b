import CourtsideProto
import Foundation
import ScheduleService
import Testing

@Suite struct SeedGamesTests {
    @Test func parsesAnObjectOrAnArrayOfGames() throws {
        let json = """
            {"games": [
              {"id": "0022500001", "home_team_id": "BOS", "away_team_id": "NYK", "start_time": "2025-10-21T23:30:00Z",
               "date": "2025-10-21", "venue": "TD Garden"},
              {"id": "0022500002", "homeTeamId": "LAL", "awayTeamId": "GSW", "startTimeMs": "1761100200000",
               "date": "2025-10-21", "status": "GAME_STATUS_POSTPONED"},
              {"id": "0022500003", "home_team_id": "MIA", "away_team_id": "ORL", "start_time_ms": 1761100200000,
               "date": "2025-10-22", "status": "live", "start_time": "ignored when start_time_ms is given"}
            ]}
            """
        let games = try SeedGames.parse(Data(json.utf8))
        #expect(games.count == 3)
        #expect(
            games[0]
                == Game(
                    id: "0022500001", homeTeamId: "BOS", awayTeamId: "NYK", startTimeMs: 1_761_089_400_000, date: "2025-10-21",
                    venue: "TD Garden", status: .scheduled))
        #expect(games[1].status == .postponed)
        #expect(games[1].startTimeMs == 1_761_100_200_000)
        #expect(games[1].venue == "")
        #expect(games[2].status == .live)
        let array = try SeedGames.parse(
            Data(
                #"[{"id": "a", "home_team_id": "BOS", "away_team_id": "NYK", "start_time": "2025-10-21T23:30:00.500Z", "date": "2025-10-21"}]"#
                    .utf8))
        #expect(array.first?.startTimeMs == 1_761_089_400_500)
    }

    @Test func problemsNameTheGameAndTheField() {
        func message(_ json: String) -> String {
            do {
                _ = try SeedGames.parse(Data(json.utf8))
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(message("{").hasPrefix("not valid JSON"))
        #expect(message(#"{"teams": []}"#) == #"expected an array of games or an object with a "games" array"#)
        #expect(message(#"[1]"#) == "games[0]: expected an object")
        #expect(message(#"[{"id": "a", "away_team_id": "NYK"}]"#) == #"games[0] (id "a"): home_team_id: missing"#)
        #expect(
            message(#"[{"id": "a", "home_team_id": "BOS", "away_team_id": "NYK", "date": "2025-10-21"}]"#)
                == #"games[0] (id "a"): start_time: missing (give start_time or start_time_ms)"#
        )
        #expect(
            message(#"[{"id": "a", "home_team_id": "BOS", "away_team_id": "NYK", "date": "2025-10-21", "start_time": "tomorrow"}]"#)
                == #"games[0] (id "a"): start_time: "tomorrow" is not an RFC 3339 time such as 2025-10-21T23:30:00Z"#
        )
        #expect(
            message(
                #"[{"id": "a", "home_team_id": "BOS", "away_team_id": "NYK", "date": "2025-10-21", "start_time_ms": 1, "status": "over"}]"#)
                == #"games[0] (id "a"): status: "over" is not a status (scheduled, live, halftime, final, postponed, cancelled)"#
        )
        #expect(message(#"[{"id": 7}]"#) == "games[0]: id: expected a string")
    }

    @Test func aMissingFileIsReportedWithItsPath() {
        do {
            _ = try SeedGames.load(path: "/nonexistent/seed.json")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description.hasPrefix("seed games file /nonexistent/seed.json: cannot read it"))
        }
    }
}
