public import CourtsideProto
public import CourtsideRPC
public import GRPC
public import Logging

/// The schedule service as a relay sees it when WatchGames updates are late (issue 15): every
/// call forwarded to the real schedule, except WatchGames, which sends nothing until cancelled,
/// and optionally ListGames (empty: the relay learns no game from the listing either) and
/// GetGame (UNAVAILABLE: the schedule cannot answer).
public final class WithheldWatchSchedule: ScheduleServiceHandler {
    public enum GetGame: Sendable {
        case forwards
        case fails
    }

    let schedule: ScheduleServiceClient
    let getGame: GetGame
    let listsGames: Bool

    public init(forwardingTo schedule: ScheduleServiceClient, getGame: GetGame, listsGames: Bool = true) {
        self.schedule = schedule
        self.getGame = getGame
        self.listsGames = listsGames
    }

    public func listLeagues(request: ListLeaguesRequest, context: ServerContext) async throws -> ListLeaguesResponse {
        try await schedule.listLeagues(request)
    }
    public func listTeams(request: ListTeamsRequest, context: ServerContext) async throws -> ListTeamsResponse {
        try await schedule.listTeams(request)
    }
    public func listGames(request: ListGamesRequest, context: ServerContext) async throws -> ListGamesResponse {
        listsGames ? try await schedule.listGames(request) : ListGamesResponse()
    }
    public func getGame(request: GetGameRequest, context: ServerContext) async throws -> Game {
        guard getGame == .forwards else { throw RPCError(.unavailable, "the schedule is not answering") }
        return try await schedule.getGame(request)
    }
    public func upsertGames(request: UpsertGamesRequest, context: ServerContext) async throws -> UpsertGamesResponse {
        try await schedule.upsertGames(request)
    }
    public func updateGameStatus(request: UpdateGameStatusRequest, context: ServerContext) async throws -> Game {
        try await schedule.updateGameStatus(request)
    }
    public func watchGames(request: WatchGamesRequest, response: RPCWriter<GameChange>, context: ServerContext) async throws {
        try await Task.sleep(for: .seconds(3600))
    }
}

extension WithheldWatchSchedule {
    /// Serves a proxy of the schedule at 127.0.0.1:`schedulePort` on a free loopback port; returns
    /// the server (stop it with `beginGracefulShutdown` and `waitUntilStopped`) and its client of
    /// the real schedule (close it after).
    public static func serve(
        schedulePort: Int, getGame: GetGame, listsGames: Bool = true, logger: Logger
    ) async throws -> (server: GRPCServer, forward: GRPCClient) {
        let forward = GRPCClient(host: "127.0.0.1", port: schedulePort)
        let server = GRPCServer(
            configuration: GRPCServer.Configuration(host: "127.0.0.1", port: 0),
            services: [WithheldWatchSchedule(forwardingTo: ScheduleServiceClient(forward), getGame: getGame, listsGames: listsGames)],
            logger: logger)
        try await server.start()
        return (server, forward)
    }
}
