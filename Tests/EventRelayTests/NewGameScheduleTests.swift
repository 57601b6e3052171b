import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import Logging
import Synchronization
import Testing

/// Issue 15: the first items of a game just created can reach the relay before the schedule's
/// WatchGames update of it. The relay then asks the schedule (GetGame) before relaying them, so
/// league- and team-filtered subscribers get every item, in order.
@Suite struct NewGameScheduleTests {
    /// A schedule service whose WatchGames says nothing (the update is withheld) and whose
    /// GetGame answers from `games`, or fails when `answers` is false.
    final class WithheldSchedule: ScheduleServiceHandler {
        let games: [String: Game]
        let answers: Bool
        private let calls = Mutex<[String]>([])

        init(games: [Game], answers: Bool = true) {
            self.games = Dictionary(uniqueKeysWithValues: games.map { ($0.id, $0) })
            self.answers = answers
        }

        var getGameCalls: [String] { calls.withLock { $0 } }

        func listLeagues(request: ListLeaguesRequest, context: ServerContext) async throws -> ListLeaguesResponse { ListLeaguesResponse() }
        func listTeams(request: ListTeamsRequest, context: ServerContext) async throws -> ListTeamsResponse { ListTeamsResponse() }
        func listGames(request: ListGamesRequest, context: ServerContext) async throws -> ListGamesResponse { ListGamesResponse() }
        func getGame(request: GetGameRequest, context: ServerContext) async throws -> Game {
            calls.withLock { $0.append(request.gameId) }
            guard answers else { throw RPCError(.unavailable, "the schedule is down") }
            guard let game = games[request.gameId] else { throw RPCError(.notFound, "no such game") }
            return game
        }
        func upsertGames(request: UpsertGamesRequest, context: ServerContext) async throws -> UpsertGamesResponse { UpsertGamesResponse() }
        func updateGameStatus(request: UpdateGameStatusRequest, context: ServerContext) async throws -> Game { Game() }
        func watchGames(request: WatchGamesRequest, response: RPCWriter<GameChange>, context: ServerContext) async throws {}
    }

    static let newGame = Game(id: "w9", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", status: .scheduled, leagueId: "wnba")

    /// The cache (never told by WatchGames) and a relay wired to it as the services wire theirs.
    private func makeRelay(_ schedule: WithheldSchedule) -> (GameRelay<String>, ScheduleCache, GRPCClient) {
        var router = RPCRouter()
        router.register(schedule)
        let client = GRPCClient(inProcess: InProcessEndpoint(router: router))
        let cache = ScheduleCache(client: client, logger: Logger(label: "schedule-cache"))
        let relay = GameRelay<String>(
            teams: { gameId in cache.game(gameId).map { (home: $0.homeTeamId, away: $0.awayTeamId) } },
            league: { gameId in cache.league(of: gameId) },
            makePayload: { $0.label }
        )
        return (relay, cache, client)
    }

    private func labels(_ subscription: RelaySubscription<String>) -> [String] {
        subscription.drain().map(\.payload)
    }

    @Test func aNewGamesFirstItemsReachLeagueAndTeamFilteredSubscribersInOrder() async throws {
        let schedule = WithheldSchedule(games: [Self.newGame])
        let (relay, cache, client) = makeRelay(schedule)
        defer { client.close() }
        let (byLeague, _) = relay.subscribe(RelayFilter(allGames: true, leagueIds: ["wnba"]))
        let (byTeam, _) = relay.subscribe(RelayFilter(teamIds: ["wnba-IND"]))
        let (byTeamAndLeague, _) = relay.subscribe(RelayFilter(teamIds: ["wnba-SEA"], leagueIds: ["wnba"]))
        let (otherLeague, _) = relay.subscribe(RelayFilter(allGames: true, leagueIds: ["nba"]))

        var lookups: [ScheduleCache.Lookup] = []
        for seq in 1...3 {
            lookups.append(await relay.apply(StreamItem(item: .event(event("w9", UInt64(seq)))), learningFrom: cache))
        }
        #expect(lookups == [.fetched, .known, .known])
        #expect(schedule.getGameCalls == ["w9"], "one GetGame per new game")
        #expect(labels(byLeague) == ["w9#1", "w9#2", "w9#3"])
        #expect(labels(byTeam) == ["w9#1", "w9#2", "w9#3"])
        #expect(labels(byTeamAndLeague) == ["w9#1", "w9#2", "w9#3"])
        #expect(labels(otherLeague).isEmpty)
        #expect(relay.head("w9")?.homeTeamId == "wnba-IND")
    }

    @Test func aSnapshotOfANewGameIsAlsoRelayedWithItsLeague() async throws {
        let schedule = WithheldSchedule(games: [Self.newGame])
        let (relay, cache, client) = makeRelay(schedule)
        defer { client.close() }
        let (byLeague, _) = relay.subscribe(RelayFilter(allGames: true, leagueIds: ["wnba"]))
        await relay.apply(
            StreamItem(reason: .reset, item: .snapshot(snapshot("w9", 4, home: "wnba-IND", away: "wnba-SEA"))), learningFrom: cache)
        await relay.apply(StreamItem(item: .event(event("w9", 5))), learningFrom: cache)
        #expect(labels(byLeague) == ["w9@4:reset", "w9#5"])
    }

    @Test func whenTheScheduleCannotAnswerItemsAreRelayedAsBeforeAndAskedOnce() async throws {
        let schedule = WithheldSchedule(games: [Self.newGame], answers: false)
        let (relay, cache, client) = makeRelay(schedule)
        defer { client.close() }
        let (everything, _) = relay.subscribe(RelayFilter(allGames: true))
        let (byLeague, _) = relay.subscribe(RelayFilter(allGames: true, leagueIds: ["wnba"]))

        var lookups: [ScheduleCache.Lookup] = []
        for seq in 1...3 {
            lookups.append(await relay.apply(StreamItem(item: .event(event("w9", UInt64(seq)))), learningFrom: cache))
        }
        #expect(lookups == [.failed, .known, .known], "asked once: later items of the game do not wait again")
        #expect(schedule.getGameCalls == ["w9"])
        #expect(labels(everything) == ["w9#1", "w9#2", "w9#3"], "relayed anyway, in order")
        #expect(labels(byLeague).isEmpty, "without its league the game matches no league filter (as before)")

        // Once the schedule's update arrives, the game's next items reach the league filter.
        cache.update([Self.newGame])
        await relay.apply(StreamItem(item: .event(event("w9", 4))), learningFrom: cache)
        #expect(labels(byLeague) == ["w9#4"])
    }

    @Test func aGameTheScheduleDoesNotKnowIsRelayedAndCountedAsNotFound() async throws {
        let schedule = WithheldSchedule(games: [])
        let (relay, cache, client) = makeRelay(schedule)
        defer { client.close() }
        let (everything, _) = relay.subscribe(RelayFilter(allGames: true))
        let first = await relay.apply(StreamItem(item: .event(event("x1", 1))), learningFrom: cache)
        let second = await relay.apply(StreamItem(item: .event(event("x1", 2))), learningFrom: cache)
        #expect([first, second] == [.notFound, .known])
        #expect(labels(everything) == ["x1#1", "x1#2"])
    }
}
