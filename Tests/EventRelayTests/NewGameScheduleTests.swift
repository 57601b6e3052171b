import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import Synchronization
import Testing

@testable import EventRelay

/// Issue 15: the first items of a game just created can reach the relay before the schedule's
/// WatchGames update of it. The relay then asks the schedule (GetGame) before relaying them, so
/// league- and team-filtered subscribers get every item, in order.
@Suite struct NewGameScheduleTests {
    /// A schedule service whose WatchGames says nothing (the update is withheld) and whose
    /// GetGame answers from `games`, or fails when `answers` is false.
    final class WithheldSchedule: ScheduleServiceHandler {
        private let games: Mutex<[String: Game]>
        private let answering: Mutex<Bool>
        private let calls = Mutex<[String]>([])

        init(games: [Game], answers: Bool = true) {
            self.games = Mutex(Dictionary(uniqueKeysWithValues: games.map { ($0.id, $0) }))
            self.answering = Mutex(answers)
        }

        var getGameCalls: [String] { calls.withLock { $0 } }
        var answers: Bool {
            get { answering.withLock { $0 } }
            set { answering.withLock { $0 = newValue } }
        }
        func add(_ game: Game) { games.withLock { $0[game.id] = game } }

        func listLeagues(request: ListLeaguesRequest, context: ServerContext) async throws -> ListLeaguesResponse { ListLeaguesResponse() }
        func listTeams(request: ListTeamsRequest, context: ServerContext) async throws -> ListTeamsResponse { ListTeamsResponse() }
        func listGames(request: ListGamesRequest, context: ServerContext) async throws -> ListGamesResponse { ListGamesResponse() }
        func getGame(request: GetGameRequest, context: ServerContext) async throws -> Game {
            calls.withLock { $0.append(request.gameId) }
            guard answers else { throw RPCError(.unavailable, "the schedule is down") }
            guard let game = games.withLock({ $0[request.gameId] }) else { throw RPCError(.notFound, "no such game") }
            return game
        }
        func upsertGames(request: UpsertGamesRequest, context: ServerContext) async throws -> UpsertGamesResponse { UpsertGamesResponse() }
        func updateGameStatus(request: UpdateGameStatusRequest, context: ServerContext) async throws -> Game { Game() }
        func watchGames(request: WatchGamesRequest, response: RPCWriter<GameChange>, context: ServerContext) async throws {}
    }

    static let newGame = Game(id: "w9", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", status: .scheduled, leagueId: "wnba")

    /// The cache (never told by WatchGames) and a relay wired to it as the services wire theirs.
    private func makeRelay(
        _ schedule: WithheldSchedule, policy: ScheduleCache.LookupPolicy = ScheduleCache.LookupPolicy()
    ) -> (GameRelay<String>, ScheduleCache, GRPCClient) {
        var router = RPCRouter()
        router.register(schedule)
        let client = GRPCClient(inProcess: InProcessEndpoint(router: router))
        let cache = ScheduleCache(client: client, lookupPolicy: policy, logger: Logger(label: "schedule-cache"))
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

    @Test func whenTheScheduleCannotAnswerItemsAreRelayedAsBeforeAndNotAskedAgainAtOnce() async throws {
        let schedule = WithheldSchedule(games: [Self.newGame], answers: false)
        let (relay, cache, client) = makeRelay(schedule)
        defer { client.close() }
        let (everything, _) = relay.subscribe(RelayFilter(allGames: true))
        let (byLeague, _) = relay.subscribe(RelayFilter(allGames: true, leagueIds: ["wnba"]))

        var lookups: [ScheduleCache.Lookup] = []
        for seq in 1...3 {
            lookups.append(await relay.apply(StreamItem(item: .event(event("w9", UInt64(seq)))), learningFrom: cache))
        }
        #expect(lookups == [.failed, .deferred, .deferred], "later items within the retry delay do not wait again")
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
        #expect([first, second] == [.notFound, .deferred])
        #expect(labels(everything) == ["x1#1", "x1#2"])
    }

    private func apply(_ relay: GameRelay<String>, _ gameId: String, _ seq: Int, _ cache: ScheduleCache) async -> ScheduleCache.Lookup {
        await relay.apply(StreamItem(item: .event(event(gameId, UInt64(seq)))), learningFrom: cache)
    }

    @Test func aGameIsAskedAgainOnceTheRetryDelayHasPassedAfterAFailure() async throws {
        let schedule = WithheldSchedule(games: [Self.newGame], answers: false)
        let (relay, cache, client) = makeRelay(schedule, policy: ScheduleCache.LookupPolicy(retryDelay: .milliseconds(200)))
        defer { client.close() }
        let (byLeague, _) = relay.subscribe(RelayFilter(allGames: true, leagueIds: ["wnba"]))

        #expect(await apply(relay, "w9", 1, cache) == .failed)
        #expect(await apply(relay, "w9", 2, cache) == .deferred)
        schedule.answers = true
        try await Task.sleep(for: .milliseconds(400))
        #expect(await apply(relay, "w9", 3, cache) == .fetched, "asked again after the delay, not never")
        #expect(await apply(relay, "w9", 4, cache) == .known)
        #expect(schedule.getGameCalls == ["w9", "w9"])
        #expect(labels(byLeague) == ["w9#3", "w9#4"], "the game reaches its league's followers from then on")
    }

    @Test func whileTheScheduleIsFailingNoOtherNewGameWaitsForIt() async throws {
        let other = Game(id: "w10", homeTeamId: "wnba-CON", awayTeamId: "wnba-PHO", status: .scheduled, leagueId: "wnba")
        let schedule = WithheldSchedule(games: [Self.newGame, other], answers: false)
        let (relay, cache, client) = makeRelay(schedule, policy: ScheduleCache.LookupPolicy(retryDelay: .seconds(60)))
        defer { client.close() }
        let (everything, _) = relay.subscribe(RelayFilter(allGames: true))

        #expect(await apply(relay, "w9", 1, cache) == .failed)
        #expect(await apply(relay, "w10", 1, cache) == .deferred, "one failure holds the stream once per delay, not once per game")
        #expect(schedule.getGameCalls == ["w9"])
        #expect(labels(everything) == ["w9#1", "w10#1"])
    }

    @Test func aGameTheScheduleDidNotKnowIsAskedAgainLaterAndOthersStillAre() async throws {
        let schedule = WithheldSchedule(games: [])
        let (relay, cache, client) = makeRelay(schedule, policy: ScheduleCache.LookupPolicy(retryDelay: .milliseconds(200)))
        defer { client.close() }

        #expect(await apply(relay, "w9", 1, cache) == .notFound)
        #expect(await apply(relay, "w9", 2, cache) == .deferred)
        #expect(await apply(relay, "x1", 1, cache) == .notFound, "a not-found game holds back only itself")
        schedule.add(Self.newGame)
        try await Task.sleep(for: .milliseconds(400))
        #expect(await apply(relay, "w9", 3, cache) == .fetched)
        #expect(cache.league(of: "w9") == "wnba")
        #expect(schedule.getGameCalls == ["w9", "x1", "w9"])
    }

    @Test func retryDelaysDoubleToTheirMaximumAndTheNotFoundTableIsBounded() {
        var backoff = LookupBackoff(
            policy: ScheduleCache.LookupPolicy(retryDelay: .seconds(5), maximumRetryDelay: .seconds(12), rememberedGames: 2))
        let start = ContinuousClock.now
        #expect(backoff.failed(at: start) == .seconds(5))
        #expect(!backoff.mayAsk("a", at: start + .seconds(4)))
        #expect(backoff.mayAsk("a", at: start + .seconds(5)))
        #expect(backoff.failed(at: start + .seconds(5)) == .seconds(10))
        #expect(backoff.failed(at: start + .seconds(15)) == .seconds(12), "capped")
        backoff.answered("a", found: true, at: start + .seconds(27))
        #expect(backoff.failed(at: start + .seconds(27)) == .seconds(5), "an answer starts the delay over")

        backoff.answered("a", found: true, at: start + .seconds(40))
        backoff.answered("g1", found: false, at: start + .seconds(40))
        backoff.answered("g2", found: false, at: start + .seconds(41))
        #expect(!backoff.mayAsk("g1", at: start + .seconds(42)))
        backoff.answered("g3", found: false, at: start + .seconds(42))
        #expect(backoff.mayAsk("g1", at: start + .seconds(42)), "the oldest is forgotten when the table is full")
        #expect(!backoff.mayAsk("g2", at: start + .seconds(42)))
        #expect(!backoff.mayAsk("g3", at: start + .seconds(42)))
        backoff.answered("g2", found: false, at: start + .seconds(47))
        #expect(!backoff.mayAsk("g2", at: start + .seconds(56)), "a game not found twice waits twice as long")
        #expect(backoff.mayAsk("g2", at: start + .seconds(57)))
    }
}
