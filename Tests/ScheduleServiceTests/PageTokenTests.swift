import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

@Suite struct PageTokenTests {
    let filter = GameFilter(dateFrom: "2025-10-01", teamIDs: ["BOS"], statuses: [.live])

    @Test func aTokenRoundTrips() throws {
        for key in [
            GameKey(startTimeMs: baseStart, id: "nba-1"), GameKey(startTimeMs: -5, id: "é/ü+?"), GameKey(startTimeMs: .max, id: "x"),
        ] {
            let token = PageToken.encode(after: key, filter: filter)
            #expect(!token.contains("+") && !token.contains("/") && !token.contains("="), "URL-safe: \(token)")
            #expect(try PageToken.decode(token, filter: filter) == key)
        }
    }

    @Test(arguments: ["garbage!", "", "AAAA", "+/==", String(repeating: "A", count: 40)])
    func aMalformedTokenIsInvalidArgument(token: String) {
        do {
            _ = try PageToken.decode(token, filter: filter)
            Issue.record("accepted \(token)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message == "page_token: not a token from a previous ListGames response")
        }
    }

    @Test func aTokenOfAnotherFilterIsRefused() {
        let token = PageToken.encode(after: GameKey(startTimeMs: 1, id: "a"), filter: filter)
        do {
            _ = try PageToken.decode(token, filter: GameFilter(dateFrom: "2025-10-02", teamIDs: ["BOS"], statuses: [.live]))
            Issue.record("a token was accepted with another filter")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("page_token: it was issued for a different filter"))
        }
        // The same filter written differently (order, repeats) is the same filter.
        let same = GameFilter(dateFrom: "2025-10-01", teamIDs: ["BOS", "BOS"], statuses: [.live, .live])
        #expect((try? PageToken.decode(token, filter: same)) != nil)
    }

    @Test func keysOrderByStartTimeThenIdBytes() {
        #expect(GameKey(startTimeMs: 1, id: "b") < GameKey(startTimeMs: 2, id: "a"))
        #expect(GameKey(startTimeMs: 1, id: "B") < GameKey(startTimeMs: 1, id: "a"))
        #expect(GameKey(startTimeMs: 1, id: "a") < GameKey(startTimeMs: 1, id: "ab"))
        #expect(!(GameKey(startTimeMs: 1, id: "a") < GameKey(startTimeMs: 1, id: "a")))
    }

    @Test func filtersAreValidatedWithTheFieldNamed() {
        func message(_ request: ListGamesRequest) -> String? {
            do {
                _ = try GameFilter(validating: request, teamIDs: NBATeams.ids)
                return nil
            } catch {
                #expect(error.code == (error.message.hasSuffix("is not a known team") ? .notFound : .invalidArgument))
                return error.message
            }
        }
        #expect(message(ListGamesRequest(dateFrom: "2025-10-01", dateTo: "2025-10-31")) == nil)
        #expect(message(ListGamesRequest(dateFrom: "yesterday")) == "date_from: \"yesterday\" is not a calendar date written YYYY-MM-DD")
        #expect(message(ListGamesRequest(dateTo: "2025-02-30")) == "date_to: \"2025-02-30\" is not a calendar date written YYYY-MM-DD")
        #expect(
            message(ListGamesRequest(dateFrom: "2025-10-02", dateTo: "2025-10-01")) == "date_to: 2025-10-01 is before date_from 2025-10-02")
        #expect(message(ListGamesRequest(teamIds: ["BOS", "XXX"])) == "team_ids[1]: \"XXX\" is not a known team")
        #expect(message(ListGamesRequest(statuses: [.live, .unspecified]))?.hasPrefix("statuses[1]: must be specified") == true)
    }
}
