import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

/// The schedule's behaviour over each store: SQLite in memory, an SQLite file and PostgreSQL.
@Suite struct ScheduleStoreTests {
    @Test(arguments: StoreKind.allCases)
    func theThirtyTeamsAreAlwaysThere(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        #expect(schedule.teams() == SeedTeams.messages)
        #expect(try await schedule.store.teams() == SeedTeams.messages)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func upsertCreatesAtRevisionOneAndEveryChangeBumpsIt(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        let created = try await schedule.upsert([makeGame("b"), makeGame("a", start: baseStart - 1)])
        #expect(created.map(\.id) == ["b", "a"], "the response keeps the request's order")
        #expect(created.map(\.revision) == [1, 1])

        let unchanged = try await schedule.upsert([makeGame("a", start: baseStart - 1)])
        #expect(unchanged.first?.revision == 1, "an upsert that changes nothing keeps the revision")

        let moved = try await schedule.upsert([makeGame("a", start: baseStart + 10, venue: "Madison Square Garden")])
        #expect(moved.first?.revision == 2)
        let live = try await schedule.updateStatus(gameID: "a", to: .live)
        #expect(live.revision == 3)
        #expect(try await schedule.updateStatus(gameID: "a", to: .live).revision == 3, "same status: no-op")

        let stored = try await schedule.game(id: "a")
        #expect(
            stored
                == Game(
                    id: "a", homeTeamId: "BOS", awayTeamId: "NYK", startTimeMs: baseStart + 10, date: "2025-10-21",
                    venue: "Madison Square Garden", status: .live, revision: 3, leagueId: "nba"))
        #expect(try await schedule.game(id: "b").revision == 1)
        // A revision sent by the client is ignored.
        var withRevision = makeGame("b", venue: "new")
        withRevision.revision = 99
        #expect(try await schedule.upsert([withRevision]).first?.revision == 2)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func upsertIsAllOrNothing(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert([makeGame("done", status: .scheduled)])
        _ = try await schedule.updateStatus(gameID: "done", to: .live)
        _ = try await schedule.updateStatus(gameID: "done", to: .final)

        // An invalid game: nothing is stored, the error names it.
        let invalid = await rpcError { _ = try await schedule.upsert([makeGame("new-1"), makeGame("new-2", away: "XXX")]) }
        #expect(invalid?.code == .notFound)
        #expect(invalid?.message == "games[1] (id \"new-2\"): away_team_id: \"XXX\" is not a known team")

        #expect(await rpcError { _ = try await schedule.game(id: "new-1") }?.code == .notFound)

        // A final game may still have its other fields corrected.
        let corrected = try await schedule.upsert([makeGame("done", venue: "moved", status: .final)])
        #expect(corrected.first?.revision == 4)

        // A refused status change after a valid new game: nothing is stored.
        let refusedChange = await rpcError {
            _ = try await schedule.upsert([makeGame("new-3"), makeGame("done", status: .scheduled)])
        }
        #expect(refusedChange?.code == .failedPrecondition)
        #expect(refusedChange?.message == "game done: cannot change status from final to scheduled: a final game never changes status")
        let notFound = await rpcError { _ = try await schedule.game(id: "new-3") }
        #expect(notFound?.code == .notFound)
        #expect(try await schedule.game(id: "done").status == .final)
        #expect(try await schedule.game(id: "done").venue == "moved")
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func statusChangesFollowTheStateMachine(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert([makeGame("nba-1")])
        var revisions: [UInt64] = []
        for status: GameStatus in [.postponed, .scheduled, .live, .halftime, .live, .final] {
            let game = try await schedule.updateStatus(gameID: "nba-1", to: status)
            #expect(game.status == status)
            revisions.append(game.revision)
        }
        #expect(revisions == [2, 3, 4, 5, 6, 7])

        let refused = await rpcError { _ = try await schedule.updateStatus(gameID: "nba-1", to: .scheduled) }
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.message == "game nba-1: cannot change status from final to scheduled: a final game never changes status")
        #expect(try await schedule.game(id: "nba-1").revision == 7)

        let missing = await rpcError { _ = try await schedule.updateStatus(gameID: "nba-404", to: .live) }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "game nba-404 does not exist")
        let unspecified = await rpcError { _ = try await schedule.updateStatus(gameID: "nba-1", to: .unspecified) }
        #expect(unspecified?.code == .invalidArgument)
        let emptyID = await rpcError { _ = try await schedule.updateStatus(gameID: "", to: .live) }
        #expect(emptyID?.message == "game_id: must not be empty")
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentChangesOfOneGameAreSerialised(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        _ = try await schedule.upsert([makeGame("nba-1", status: .live)])
        // Ten writers race to end the game: exactly one change happens, the rest are no-ops.
        let results = try await withThrowingTaskGroup(of: Game.self) { group in
            for _ in 0..<10 {
                group.addTask { try await schedule.updateStatus(gameID: "nba-1", to: .final) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == .final && $0.revision == 2 })
        // Ten writers race from live: halftime or final; whichever loses to final is refused.
        _ = try await schedule.upsert([makeGame("nba-2", status: .live)])
        let outcomes = await withTaskGroup(of: RPCError?.self) { group in
            for index in 0..<10 {
                group.addTask {
                    await rpcError { _ = try await schedule.updateStatus(gameID: "nba-2", to: index % 2 == 0 ? .final : .halftime) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0 == nil || $0?.code == .failedPrecondition })
        let final = try await schedule.game(id: "nba-2")
        #expect(final.status == .final)
        #expect(final.revision <= 11)
        await schedule.close()
    }

    @Test(arguments: StoreKind.allCases)
    func getGameRefusesMalformedAndUnknownIds(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        #expect(await rpcError { _ = try await schedule.game(id: "") }?.code == .invalidArgument)
        let missing = await rpcError { _ = try await schedule.game(id: "nope") }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "game nope does not exist")
        await schedule.close()
    }

    @Test(arguments: [StoreKind.sqliteFile, .postgres])
    func gamesSurviveAReopen(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let first = try await fixture.schedule()
        _ = try await first.upsert(makeGames(20))
        _ = try await first.updateStatus(gameID: "g-00003", to: .live)
        let before = try await allPages(first, ListGamesRequest(pageSize: 7)).games
        await first.close()

        let reopened = try await fixture.schedule()
        let after = try await allPages(reopened, ListGamesRequest(pageSize: 7)).games
        #expect(after == before)
        #expect(after.count == 20)
        #expect(try await reopened.game(id: "g-00003").status == .live)
        #expect(try await reopened.game(id: "g-00003").revision == 2)
        #expect(reopened.teams().count == SeedTeams.messages.count, "reopening does not duplicate the teams")
        // The status machine continues from the stored status.
        let refused = await rpcError { _ = try await reopened.updateStatus(gameID: "g-00003", to: .scheduled) }
        #expect(refused?.code == .failedPrecondition)
        await reopened.close()
    }

    @Test(arguments: StoreKind.allCases)
    func seedingCreatesOnlyMissingGames(kind: StoreKind) async throws {
        let fixture = try await StoreFixture.make(kind)
        defer { fixture.remove() }
        let schedule = try await fixture.schedule()
        #expect(try await schedule.seed(makeGames(5)) == 5)
        _ = try await schedule.updateStatus(gameID: "g-00001", to: .live)
        #expect(try await schedule.seed(makeGames(8)) == 3)
        #expect(try await schedule.game(id: "g-00001").status == .live, "seeding never undoes a change")
        #expect(try await schedule.game(id: "g-00007").revision == 1)
        let invalid = await rpcError { try await schedule.seed([makeGame("x", home: "ZZZ")]) }
        #expect(invalid?.code == .notFound)
        await schedule.close()
    }
}
