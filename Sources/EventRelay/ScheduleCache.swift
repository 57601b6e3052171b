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
    /// Games asked for before their first relayed item (asked once each: see ``learn(_:timeout:)``).
    private let asked = Mutex<Set<String>>([])

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
    public func fetch(_ id: String, timeout: Duration = .seconds(5)) async throws -> Game? {
        if let known = game(id) { return known }
        guard let schedule else { return nil }
        do {
            let game = try await schedule.getGame(GetGameRequest(gameId: id), options: CallOptions(timeout: timeout))
            update([game])
            return game
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// What ``learn(_:timeout:)`` found; a closed set (it labels a metric).
    public enum Lookup: String, Sendable, CaseIterable {
        /// The cache knew the game, or had asked for it before (asked once per game).
        case known
        /// The schedule service answered with the game.
        case fetched
        /// The schedule service does not know the game.
        case notFound = "not_found"
        /// The schedule service did not answer in time (or failed).
        case failed
    }

    /// Makes sure the cache knows a game before its first item is relayed: an item may arrive
    /// before the schedule's WatchGames update of a game just created, and without the game's
    /// league and teams, league- and team-filtered subscribers would not get it. Asks the
    /// schedule service (GetGame, within `timeout`) once per game; a game it cannot tell is
    /// relayed anyway (the caller counts the outcome; a failure is logged here).
    public func learn(_ gameId: String, timeout: Duration = .seconds(2)) async -> Lookup {
        guard !gameId.isEmpty, schedule != nil, game(gameId) == nil else { return .known }
        guard asked.withLock({ $0.insert(gameId).inserted }) else { return .known }
        do {
            return try await fetch(gameId, timeout: timeout) == nil ? .notFound : .fetched
        } catch {
            logger.warning(
                "schedule did not answer for a new game; relaying its items without its league and teams",
                metadata: ["game": "\(gameId)", "error": "\(error)"])
            return .failed
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
