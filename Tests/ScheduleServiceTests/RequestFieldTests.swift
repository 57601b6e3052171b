import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import TestSupport
import Testing

/// The schedule's request fields: every number of every RPC at the boundaries, every string
/// empty, at its limit and over it, every repeated field over its count. The answer is OK or a
/// clear INVALID_ARGUMENT or NOT_FOUND, and a refused write stores nothing.
@Suite struct ScheduleRequestFieldTests {
    @Test(arguments: Boundary.signed64)
    func upsertStartTime(value: Int64) async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        let code = await outcome { _ = try await schedule.upsert([makeGame("t", start: value)]) }
        let accepted = value > 0 && value <= RequestLimits.maximumTimestampMs
        #expect(code == (accepted ? .ok : .invalidArgument))
        #expect(await outcome { _ = try await schedule.game(id: "t") } == (accepted ? .ok : .notFound), "a refused game is not stored")
        await schedule.close()
    }

    /// Any instant has a game date, even ones the services refuse as start times.
    @Test(arguments: Boundary.signed64 + [-1000, -1001, 1_704_758_400_000])
    func gameDatesOfAnyInstant(milliseconds: Int64) {
        let date = GameDate.of(utcMillis: milliseconds)
        #expect(date.count >= 10)
        if milliseconds == -1 || milliseconds == -1000 { #expect(date == "1969-12-31") }
        if milliseconds == 1_704_758_400_000 { #expect(date == "2024-01-08") }
    }

    @Test(arguments: Boundary.unsigned64)
    func upsertRevisionIsIgnored(value: UInt64) async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        var game = makeGame("r")
        game.revision = value
        #expect(try await schedule.upsert([game]).first?.revision == 1)
        await schedule.close()
    }

    @Test(arguments: Boundary.signed32)
    func statusValues(value: Int32) async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert([makeGame("s")])
        let status = GameStatus(rawValue: value)
        let known = (1...6).contains(value)
        // Scheduled → scheduled, live, postponed or cancelled are allowed; halftime and final are not.
        let allowed: Set<Int32> = [1, 2, 5, 6]
        #expect(
            await outcome { _ = try await schedule.updateStatus(gameID: "s", to: status) }
                == (known ? (allowed.contains(value) ? .ok : .failedPrecondition) : .invalidArgument))
        #expect(
            await outcome { _ = try await schedule.upsert([makeGame("u\(value)", status: status)]) } == (known ? .ok : .invalidArgument))
        #expect(
            await outcome { _ = try await schedule.listGames(ListGamesRequest(statuses: [status])) } == (known ? .ok : .invalidArgument))
        await schedule.close()
    }

    @Test(arguments: Boundary.unsigned32)
    func listGamesPageSize(value: UInt32) async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert(makeGames(3))
        let page = try await schedule.listGames(ListGamesRequest(pageSize: value))
        #expect(page.games.count == (value == 0 ? 3 : min(3, Int(value))), "0 is the default; larger pages are cut to the maximum")
        await schedule.close()
    }

    /// A game's strings, and ids given on their own: empty, at the limit, over it, with a
    /// space or a control character.
    @Test func upsertStrings() async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        let id128 = String(repeating: "i", count: RequestLimits.gameIDBytes)
        let venue200 = String(repeating: "é", count: RequestLimits.venueBytes / 2)
        let cases: [(Game, GRPCStatusCode)] = [
            (makeGame(""), .invalidArgument),
            (makeGame(id128), .ok),
            (makeGame(id128 + "i"), .invalidArgument),
            (makeGame("a b"), .invalidArgument),
            (makeGame("a\u{0}b"), .invalidArgument),
            (makeGame("h", home: ""), .invalidArgument),
            (makeGame("h", home: String(repeating: "T", count: RequestLimits.teamIDBytes)), .notFound),
            (makeGame("h", home: String(repeating: "T", count: RequestLimits.teamIDBytes + 1)), .invalidArgument),
            (makeGame("h", away: "XYZ"), .notFound),
            (makeGame("d", date: ""), .invalidArgument),
            (makeGame("d", date: "2025-10-21-"), .invalidArgument),
            (makeGame("v", venue: ""), .ok),
            (makeGame("v2", venue: venue200), .ok),
            (makeGame("v3", venue: venue200 + "x"), .invalidArgument),
            (makeGame("v4", venue: "TD\u{85}Garden"), .invalidArgument),
        ]
        for (game, expected) in cases {
            let code = await outcome { _ = try await schedule.upsert([game]) }
            #expect(code == expected, "\(FieldCheck.shown(game.id)) \(FieldCheck.shown(game.homeTeamId)) \(game.venue.utf8.count)")
            if code != .ok, FieldCheck.identifierProblem(game.id, maximumBytes: RequestLimits.gameIDBytes) == nil {
                #expect(await outcome { _ = try await schedule.game(id: game.id) } == .notFound, "nothing stored")
            }
        }
        for (id, expected) in [
            ("", GRPCStatusCode.invalidArgument), (id128, .ok), (id128 + "i", .invalidArgument), ("x y", .invalidArgument),
        ] {
            #expect(await outcome { _ = try await schedule.game(id: id) } == expected)
            #expect(await outcome { _ = try await schedule.updateStatus(gameID: id, to: .live) } == expected)
        }
        #expect(await outcome { _ = try await schedule.game(id: "missing") } == .notFound)
        await schedule.close()
    }

    @Test func listGamesFilters() async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        let schedule = try await fixture.schedule()
        func list(_ request: ListGamesRequest) async -> GRPCStatusCode {
            await outcome { _ = try await schedule.listGames(request) }
        }
        #expect(await list(ListGamesRequest(dateFrom: "", dateTo: "")) == .ok)
        #expect(await list(ListGamesRequest(dateFrom: "2025-10-21")) == .ok)
        #expect(await list(ListGamesRequest(dateFrom: "2025-10-210")) == .invalidArgument)
        #expect(await list(ListGamesRequest(dateTo: String(repeating: "9", count: 4096))) == .invalidArgument)
        #expect(await list(ListGamesRequest(teamIds: [""])) == .invalidArgument)
        #expect(await list(ListGamesRequest(teamIds: ["QQQ"])) == .notFound)
        #expect(await list(ListGamesRequest(teamIds: [String(repeating: "T", count: RequestLimits.teamIDBytes + 1)])) == .invalidArgument)
        #expect(await list(ListGamesRequest(teamIds: Array(repeating: "BOS", count: RequestLimits.teamIDsPerRequest))) == .ok)
        #expect(
            await list(ListGamesRequest(teamIds: Array(repeating: "BOS", count: RequestLimits.teamIDsPerRequest + 1))) == .invalidArgument)
        #expect(await list(ListGamesRequest(statuses: Array(repeating: .live, count: RequestLimits.statusesPerRequest))) == .ok)
        #expect(
            await list(ListGamesRequest(statuses: Array(repeating: .live, count: RequestLimits.statusesPerRequest + 1))) == .invalidArgument
        )
        #expect(await list(ListGamesRequest(pageToken: String(repeating: "A", count: RequestLimits.pageTokenBytes))) == .invalidArgument)
        let long = await rpcError {
            _ = try await schedule.listGames(ListGamesRequest(pageToken: String(repeating: "A", count: RequestLimits.pageTokenBytes + 1)))
        }
        #expect(long?.message == "page_token: longer than 1024 bytes", "refused for its length before it is decoded")
        await schedule.close()
    }

    @Test func repeatedFieldsHaveAMaximumCount() async throws {
        let fixture = try await StoreFixture.make(.sqliteMemory)
        var limits = Schedule.Limits()
        limits.maximumGamesPerUpsert = 3
        let schedule = try await fixture.schedule(limits: limits)
        #expect(await outcome { _ = try await schedule.upsert(makeGames(4)) } == .invalidArgument)
        #expect(try await schedule.listGames(ListGamesRequest()).games.isEmpty, "nothing of a refused batch is stored")
        #expect(await outcome { _ = try await schedule.upsert(makeGames(3)) } == .ok)
        // A watch that is not refused runs until cancelled: give up on it after a few seconds.
        func watch(_ request: WatchGamesRequest) async -> GRPCStatusCode {
            let call = Task { await outcome { try await schedule.watch(request) { _ in } } }
            let limit = Task {
                try await Task.sleep(for: .seconds(5))
                call.cancel()
            }
            defer { limit.cancel() }
            return await call.value
        }
        let tooMany = (0...RequestLimits.cursorsPerRequest).map { "g\($0)" }
        #expect(await watch(WatchGamesRequest(gameIds: tooMany)) == .invalidArgument)
        #expect(await watch(WatchGamesRequest(gameIds: ["ok", String(repeating: "g", count: 129)])) == .invalidArgument)
        await schedule.close()
    }
}
