import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC
public import Logging
import Synchronization

/// Every game the schedule service knows (teams, date, status), kept current by following its
/// `WatchGames` stream (with the initial listing), reconnecting with backoff when it breaks.
public final class ScheduleCache: Sendable {
    private let games = Mutex<[String: Game]>([:])
    private let ready = Mutex(false)
    private let schedule: ScheduleServiceClient?
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(client: GRPCClient?, logger: Logger) {
        self.schedule = client.map { ScheduleServiceClient($0) }
        self.logger = logger
    }

    /// Whether the initial listing has arrived.
    public var isReady: Bool { ready.withLock { $0 } }

    public func game(_ id: String) -> Game? {
        games.withLock { $0[id] }
    }

    /// The league of a game the cache knows (a game stored before leagues existed is an NBA
    /// game); nil for a game it does not know yet.
    public func league(of gameId: String) -> String? {
        game(gameId).map { $0.leagueId.isEmpty ? Leagues.nba.id : $0.leagueId }
    }

    public var allGames: [Game] {
        games.withLock { Array($0.values) }
    }

    /// Adds or replaces games directly (tests, and answers fetched from the schedule service).
    public func update(_ newGames: [Game]) {
        games.withLock { games in
            for game in newGames {
                if let known = games[game.id], known.revision > game.revision { continue }
                games[game.id] = game
            }
        }
    }

    /// The game, asking the schedule service if it is not cached yet.
    public func fetch(_ id: String) async throws -> Game? {
        if let known = game(id) { return known }
        guard let schedule else { return nil }
        do {
            let game = try await schedule.getGame(GetGameRequest(gameId: id), options: CallOptions(timeout: .seconds(5)))
            update([game])
            return game
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// Follows WatchGames until `stop()`.
    public func start() {
        guard let schedule else {
            ready.withLock { $0 = true }
            return
        }
        let logger = self.logger
        let follow = Task { [weak self] in
            var delay: Duration = .milliseconds(200)
            while !Task.isCancelled {
                do {
                    try await schedule.watchGames(WatchGamesRequest(sendInitial: true)) { changes in
                        for try await change in changes {
                            guard let self, let game = change.game else { continue }
                            self.update([game])
                            delay = .milliseconds(200)
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.info("schedule watch interrupted; reconnecting", metadata: ["error": "\(error)", "in": "\(delay)"])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
        task.withLock { $0 = follow }
        // Ready once a full listing arrived (the watch, started first, covers changes made
        // meanwhile; updates are ordered by revision).
        Task { [weak self] in
            guard let self else { return }
            do {
                var token = ""
                repeat {
                    let page = try await schedule.listGames(
                        ListGamesRequest(pageSize: 1000, pageToken: token), options: CallOptions(timeout: .seconds(10)))
                    self.update(page.games)
                    token = page.nextPageToken
                } while !token.isEmpty
                self.ready.withLock { $0 = true }
            } catch {
                logger.info("initial schedule listing failed; the watch fills the cache", metadata: ["error": "\(error)"])
            }
        }
    }

    public func stop() {
        task.withLock { $0?.cancel() }
    }
}
