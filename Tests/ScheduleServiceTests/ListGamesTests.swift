import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

/// `ListGames`: filters, order, page sizes and keyset page tokens, over each store.
@Suite struct ListGamesTests {
    @Test(arguments: StoreKind.allCases)
    func allPagesTogetherAreAllGamesInOrder(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        var games = try await schedule.upsert(makeGames(250))
        // Ties on start time are ordered by id.
        games += try await schedule.upsert([
            makeGame("tie-b", start: baseStart + 3_600_000), makeGame("tie-a", start: baseStart + 3_600_000),
        ])
        let expected = games.sorted { GameKey($0) < GameKey($1) }

        let listing = try await allPages(schedule, ListGamesRequest(pageSize: 40))
        #expect(listing.games == expected)
        #expect(listing.pages == 7)
        #expect(listing.games.filter { $0.startTimeMs == baseStart + 3_600_000 }.map(\.id) == ["g-00001", "tie-a", "tie-b"])

        let first = try await schedule.listGames(ListGamesRequest())
        #expect(first.games.count == 100, "page size 0 means 100")
        #expect(!first.nextPageToken.isEmpty)

        let exact = try await allPages(schedule, ListGamesRequest(pageSize: 252))
        #expect(exact.pages == 1, "no token when the last page is exactly full")
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func idsCompareByteByByteOnEveryStore(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        // Locale collations would ignore case and punctuation here; pages need one fixed order.
        let ids = ["b", "B", "a-c", "ab", "a_b", "é", "Z", "a.b", "AB", "a"]
        _ = try await schedule.upsert(ids.map { makeGame($0) })
        let expected = ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(try await allPages(schedule, ListGamesRequest(pageSize: 3)).games.map(\.id) == expected)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func pageSizesAboveTheMaximumAreCapped(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        var limits = Schedule.Limits()
        limits.maximumPageSize = 25
        let schedule = try await fixture.schedule(limits: limits)
        _ = try await schedule.upsert(makeGames(60))
        let page = try await schedule.listGames(ListGamesRequest(pageSize: 1000))
        #expect(page.games.count == 25)
        #expect(try await allPages(schedule, ListGamesRequest(pageSize: .max)).pages == 3)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func pagesStayStableWhenGamesAreInsertedBetweenRequests(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let original = try await schedule.upsert(makeGames(100))
        var request = ListGamesRequest(pageSize: 30)
        var seen: [Game] = []
        var round = 0
        while true {
            let page = try await schedule.listGames(request)
            seen += page.games
            // Between pages: games before the cursor, after it, and at the cursor's start time.
            if let last = page.games.last {
                _ = try await schedule.upsert([
                    makeGame("early-\(round)", start: baseStart - 1000 - Int64(round)),
                    makeGame("late-\(round)", start: baseStart + 1_000_000_000 + Int64(round)),
                    makeGame("\(last.id)-same-start", start: last.startTimeMs),
                ])
            }
            round += 1
            if page.nextPageToken.isEmpty { break }
            request.pageToken = page.nextPageToken
        }
        let ids = seen.map(\.id)
        #expect(Set(ids).count == ids.count, "no game twice")
        #expect(Set(original.map(\.id)).isSubset(of: Set(ids)), "no game that existed all along is skipped")
        #expect(!ids.contains { $0.hasPrefix("early-") }, "games inserted before the cursor are behind it")
        #expect(ids.filter { $0.hasPrefix("late-") }.count == round - 1, "games inserted ahead of the cursor are found")
        #expect(seen == seen.sorted { GameKey($0) < GameKey($1) })
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func pagesStayStableUnderConcurrentInserts(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let original = try await schedule.upsert(makeGames(300))
        let writer = Task {
            var index = 0
            while !Task.isCancelled && index < 200 {
                _ = try await schedule.upsert(makeGames(3, prefix: "w\(index)", startingAt: baseStart + Int64(index % 50) * 7_200_000 + 1))
                index += 1
            }
        }
        var listing: [Game] = []
        var request = ListGamesRequest(pageSize: 17)
        while true {
            let page = try await schedule.listGames(request)
            listing += page.games
            if page.nextPageToken.isEmpty { break }
            request.pageToken = page.nextPageToken
            await Task.yield()
        }
        writer.cancel()
        _ = try? await writer.value
        let ids = listing.map(\.id)
        #expect(Set(ids).count == ids.count, "no duplicates")
        #expect(Set(original.map(\.id)).isSubset(of: Set(ids)), "nothing that existed before is skipped")
        #expect(listing == listing.sorted { GameKey($0) < GameKey($1) })
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func filtersByDateRangeTeamAndStatus(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let games = try await schedule.upsert([
            makeGame("oct-20", home: "BOS", away: "NYK", start: baseStart - 86_400_000, date: "2025-10-20"),
            makeGame("oct-21", home: "LAL", away: "GSW", start: baseStart, date: "2025-10-21"),
            makeGame("oct-22", home: "NYK", away: "MIA", start: baseStart + 86_400_000, date: "2025-10-22"),
            makeGame("oct-23", home: "MIA", away: "BOS", start: baseStart + 2 * 86_400_000, date: "2025-10-23"),
        ])
        _ = try await schedule.updateStatus(gameID: "oct-21", to: .live)
        _ = try await schedule.updateStatus(gameID: "oct-22", to: .postponed)
        func ids(_ request: ListGamesRequest) async throws -> [String] {
            try await allPages(schedule, request).games.map(\.id)
        }
        #expect(try await ids(ListGamesRequest()) == games.map(\.id))
        #expect(try await ids(ListGamesRequest(dateFrom: "2025-10-21", dateTo: "2025-10-22")) == ["oct-21", "oct-22"], "inclusive")
        #expect(try await ids(ListGamesRequest(dateFrom: "2025-10-22")) == ["oct-22", "oct-23"], "unbounded above")
        #expect(try await ids(ListGamesRequest(dateTo: "2025-10-20")) == ["oct-20"], "unbounded below")
        #expect(try await ids(ListGamesRequest(dateFrom: "2025-10-21", dateTo: "2025-10-21")) == ["oct-21"])
        #expect(try await ids(ListGamesRequest(teamIds: ["BOS"])) == ["oct-20", "oct-23"], "home or away")
        #expect(try await ids(ListGamesRequest(teamIds: ["NYK", "GSW"])) == ["oct-20", "oct-21", "oct-22"])
        #expect(try await ids(ListGamesRequest(statuses: [.live, .postponed])) == ["oct-21", "oct-22"])
        #expect(try await ids(ListGamesRequest(statuses: [.final])) == [])
        #expect(try await ids(ListGamesRequest(dateFrom: "2025-10-21", teamIds: ["MIA"], statuses: [.scheduled])) == ["oct-23"])
        #expect(try await ids(ListGamesRequest(teamIds: ["MIA"], pageSize: 1)) == ["oct-22", "oct-23"], "filters hold across pages")
        // Every filtered listing agrees with the filter's own predicate.
        let filter = GameFilter(dateFrom: "2025-10-21", teamIDs: ["NYK", "LAL"], statuses: [.live, .postponed])
        let everything = try await allPages(schedule, ListGamesRequest()).games
        #expect(
            try await ids(ListGamesRequest(dateFrom: "2025-10-21", teamIds: ["NYK", "LAL"], statuses: [.live, .postponed]))
                == everything.filter(filter.matches).map(\.id)
        )
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func malformedTokensAndFiltersAreInvalidArgument(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert(makeGames(10))
        let first = try await schedule.listGames(ListGamesRequest(teamIds: ["BOS"], pageSize: 1))
        #expect(!first.nextPageToken.isEmpty)

        let bad = await rpcError { _ = try await schedule.listGames(ListGamesRequest(pageToken: "not-a-token")) }
        #expect(bad?.code == .invalidArgument)
        #expect(bad?.message == "page_token: not a token from a previous ListGames response")

        let otherFilter = await rpcError {
            _ = try await schedule.listGames(ListGamesRequest(teamIds: ["NYK"], pageToken: first.nextPageToken))
        }
        #expect(otherFilter?.code == .invalidArgument)

        let badDate = await rpcError { _ = try await schedule.listGames(ListGamesRequest(dateFrom: "21/10/2025")) }
        #expect(badDate?.code == .invalidArgument)
        #expect(badDate?.message == "date_from: \"21/10/2025\" is not a calendar date written YYYY-MM-DD")
        await schedule.close()
    }
}
