import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import Prometheus

/// Writes games into the schedule service before their events are published.
///
/// The feed owns a game's record (teams, start time, venue). Its status is shared: the feed
/// creates a game with the status its source shows, but once the game exists the score service
/// reports every status change that events make. So when the schedule refuses a status change
/// (a restarted simulator says "scheduled" for a game that is live, or a status report raced a
/// poll), the game is written again with the status the schedule already has.
struct GameUpserter: Sendable {
    let schedule: ScheduleServiceClient
    let retrier: Retrier
    let callTimeout: Duration
    let metrics: FeedMetrics
    let logger: Logger

    /// Most games per `UpsertGames` call.
    static let chunkSize = 500

    /// Upserts `games` (the last record of a game wins), creating `teams` with them (sent with
    /// every call: creating a team twice changes nothing).
    /// - Returns: the ids of games the schedule refused (logged and counted); their events will
    ///   be refused by the score service too.
    /// - Throws: `FeedStopping` when the feed stops before the schedule answered.
    func upsert(_ games: [Game], teams: [Team] = []) async throws -> Set<String> {
        var seenTeams: Set<String> = []
        let teams = teams.filter { seenTeams.insert($0.id).inserted }
        var latest: [String: Int] = [:]
        var unique: [Game] = []
        for var game in games {
            game.revision = 0
            if let index = latest[game.id] {
                unique[index] = game
            } else {
                latest[game.id] = unique.count
                unique.append(game)
            }
        }
        var refused: Set<String> = []
        var start = 0
        while start < unique.count {
            let chunk = Array(unique[start..<min(start + Self.chunkSize, unique.count)])
            start += chunk.count
            do {
                try await write(chunk, teams: teams)
            } catch let refusal as RPCError {
                logger.info("schedule refused a batch of games; writing them one by one", metadata: ["error": "\(refusal)"])
                for game in chunk {
                    let own = teams.filter { $0.id == game.homeTeamId || $0.id == game.awayTeamId }
                    if try await !upsertAlone(game, teams: own) { refused.insert(game.id) }
                }
            }
        }
        return refused
    }

    /// Writes one game, keeping the stored status if the schedule refuses the new one.
    private func upsertAlone(_ game: Game, teams: [Team]) async throws -> Bool {
        do {
            try await write([game], teams: teams)
            return true
        } catch let refusal as RPCError where refusal.code == .failedPrecondition {
            let stored: Game?
            do {
                stored = try await retrier.run("get game \(game.id)") {
                    try await schedule.getGame(GetGameRequest(gameId: game.id), options: CallOptions(timeout: callTimeout))
                }
            } catch let lookup as RPCError where lookup.code == .notFound {
                stored = nil
            }
            guard let stored else { return reject(game, refusal) }
            var kept = game
            kept.status = stored.status
            do {
                try await write([kept], teams: teams)
                return true
            } catch let again as RPCError {
                return reject(game, again)
            }
        } catch let refusal as RPCError {
            return reject(game, refusal)
        }
    }

    private func write(_ games: [Game], teams: [Team]) async throws {
        let response = try await retrier.run("upsert \(games.count) games") {
            try await schedule.upsertGames(UpsertGamesRequest(games: games, teams: teams), options: CallOptions(timeout: callTimeout))
        }
        metrics.gamesUpserted.increment(by: Double(response.games.count))
    }

    private func reject(_ game: Game, _ refusal: RPCError) -> Bool {
        metrics.refusedGames(code: refusal.codeLabel)
        logger.error("schedule refused a game; its events will not be published", metadata: ["game": "\(game.id)", "error": "\(refusal)"])
        return false
    }
}
