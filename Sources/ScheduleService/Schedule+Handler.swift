import Auth
public import CourtsideProto
public import CourtsideRPC
public import GRPC
import Logging

/// `courtside.v1.ScheduleService` over gRPC: each RPC calls the ``Schedule`` method of the same
/// name. Refused calls are counted; storage failures are logged and answered UNAVAILABLE (every
/// write is all-or-nothing and idempotent, so clients may retry).
extension Schedule: ScheduleServiceHandler {
    public func listLeagues(request: ListLeaguesRequest, context: ServerContext) async throws -> ListLeaguesResponse {
        ListLeaguesResponse(leagues: leagues())
    }

    public func listTeams(request: ListTeamsRequest, context: ServerContext) async throws -> ListTeamsResponse {
        try await answering("ListTeams", context) { try await listTeams(request) }
    }

    public func listGames(request: ListGamesRequest, context: ServerContext) async throws -> ListGamesResponse {
        try await answering("ListGames", context) { try await listGames(request) }
    }

    public func getGame(request: GetGameRequest, context: ServerContext) async throws -> Game {
        try await answering("GetGame", context) { try await game(id: request.gameId) }
    }

    public func upsertGames(request: UpsertGamesRequest, context: ServerContext) async throws -> UpsertGamesResponse {
        AuditNote.games(request.games.lazy.map(\.id))
        return try await answering("UpsertGames", context) {
            UpsertGamesResponse(games: try await upsert(request.games, teams: request.teams))
        }
    }

    public func updateGameStatus(request: UpdateGameStatusRequest, context: ServerContext) async throws -> Game {
        AuditNote.games([request.gameId])
        return try await answering("UpdateGameStatus", context) { try await updateStatus(gameID: request.gameId, to: request.status) }
    }

    public func watchGames(request: WatchGamesRequest, response: RPCWriter<GameChange>, context: ServerContext) async throws {
        do {
            try await watch(request) { change in try await response.write(change) }
        } catch let error as RPCError where error.code == .resourceExhausted {
            context.logger.notice("watcher ended: it fell behind", metadata: ["queue": "\(hub.capacity)"])
            throw error
        } catch let error as RPCError where error.code == .invalidArgument {
            metrics.rejected(method: "WatchGames", code: error.code)
            throw error
        } catch let error as RPCError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw storageFailure(error, method: "WatchGames", context)
        }
    }

    /// Runs a unary call: counts a refusal, and turns a storage failure into UNAVAILABLE.
    private func answering<T>(_ method: String, _ context: ServerContext, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            metrics.rejected(method: method, code: error.code)
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw storageFailure(error, method: method, context)
        }
    }

    private func storageFailure(_ error: any Error, method: String, _ context: ServerContext) -> RPCError {
        context.logger.error("storage failed", metadata: ["error": "\(String(reflecting: error))"])
        metrics.rejected(method: method, code: .unavailable)
        return RPCError(.unavailable, "the schedule's storage failed; try again")
    }
}
