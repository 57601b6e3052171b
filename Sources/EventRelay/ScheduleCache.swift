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
    private let lookupPolicy: LookupPolicy
    private let lookups: Mutex<LookupBackoff>

    public init(client: GRPCClient?, lookupPolicy: LookupPolicy = LookupPolicy(), logger: Logger) {
        self.schedule = client.map { ScheduleServiceClient($0) }
        self.lookupPolicy = lookupPolicy
        self.lookups = Mutex(LookupBackoff(policy: lookupPolicy))
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

    /// How ``learn(_:)`` asks the schedule service about a game it has not told of.
    public struct LookupPolicy: Sendable {
        /// How long the first item of such a game (and the items behind it) waits for GetGame.
        public var timeout: Duration
        /// After the schedule did not know a game, that game is asked again no sooner than this;
        /// after it failed to answer, no game is asked for this long. Doubles at each repeat.
        public var retryDelay: Duration
        public var maximumRetryDelay: Duration
        /// Games the schedule did not know, remembered for their retry delay (the oldest are
        /// forgotten first: a bounded table, whatever the upstream stream names).
        public var rememberedGames: Int

        public init(
            timeout: Duration = .seconds(2), retryDelay: Duration = .seconds(5), maximumRetryDelay: Duration = .seconds(60),
            rememberedGames: Int = 10_000
        ) {
            self.timeout = timeout
            self.retryDelay = retryDelay
            self.maximumRetryDelay = max(retryDelay, maximumRetryDelay)
            self.rememberedGames = max(1, rememberedGames)
        }
    }

    /// What ``learn(_:)`` found; a closed set (it labels a metric).
    public enum Lookup: String, Sendable, CaseIterable {
        /// The cache knew the game.
        case known
        /// The schedule service answered with the game.
        case fetched
        /// The schedule service does not know the game.
        case notFound = "not_found"
        /// The schedule service did not answer in time (or failed).
        case failed
        /// Not asked: the schedule did not know this game, or failed to answer, a moment ago
        /// (see ``LookupPolicy/retryDelay``).
        case deferred

        /// Whether the schedule service was called.
        public var askedTheSchedule: Bool { self == .fetched || self == .notFound || self == .failed }
    }

    /// Makes sure the cache knows a game before its item is relayed: an item may arrive before
    /// the schedule's WatchGames update of a game just created, and without the game's league
    /// and teams, league- and team-filtered subscribers would not get it. Asks the schedule
    /// service (GetGame, within the policy's timeout); a game it cannot tell is relayed anyway
    /// (the caller counts the outcome; a failure is logged here) and asked again at a later
    /// item once the retry delay has passed, so a schedule that was slow or down for a moment
    /// does not leave the game out of league filters for good, and one that stays down holds
    /// the stream for one timeout per delay, not one per item or per game.
    public func learn(_ gameId: String) async -> Lookup {
        guard !gameId.isEmpty, schedule != nil, game(gameId) == nil else { return .known }
        let now = ContinuousClock.now
        guard lookups.withLock({ $0.mayAsk(gameId, at: now) }) else { return .deferred }
        do {
            let found = try await fetch(gameId, timeout: lookupPolicy.timeout) != nil
            lookups.withLock { $0.answered(gameId, found: found, at: ContinuousClock.now) }
            return found ? .fetched : .notFound
        } catch {
            let retry = lookups.withLock { $0.failed(at: ContinuousClock.now) }
            logger.warning(
                "schedule did not answer for a new game; relaying its items without its league and teams",
                metadata: ["game": "\(gameId)", "error": "\(error)", "retry_in": "\(retry)"])
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

/// When ``ScheduleCache/learn(_:)`` may call the schedule service: per game after a "not
/// found", and for every game after a failure, each with a delay that doubles while it repeats.
struct LookupBackoff {
    private struct Retry {
        var at: ContinuousClock.Instant
        var delay: Duration
    }

    let policy: ScheduleCache.LookupPolicy
    private var notFound: [String: Retry] = [:]
    private var quiet: Retry?

    init(policy: ScheduleCache.LookupPolicy) {
        self.policy = policy
    }

    func mayAsk(_ gameId: String, at now: ContinuousClock.Instant) -> Bool {
        if let quiet, now < quiet.at { return false }
        if let retry = notFound[gameId], now < retry.at { return false }
        return true
    }

    mutating func answered(_ gameId: String, found: Bool, at now: ContinuousClock.Instant) {
        quiet = nil
        guard !found else {
            notFound[gameId] = nil
            return
        }
        let delay = notFound[gameId].map { min($0.delay * 2, policy.maximumRetryDelay) } ?? policy.retryDelay
        if notFound[gameId] == nil, notFound.count >= policy.rememberedGames,
            let oldest = notFound.min(by: { $0.value.at < $1.value.at })?.key
        {
            notFound[oldest] = nil
        }
        notFound[gameId] = Retry(at: now + delay, delay: delay)
    }

    /// Returns the delay before the next call.
    mutating func failed(at now: ContinuousClock.Instant) -> Duration {
        let delay = quiet.map { min($0.delay * 2, policy.maximumRetryDelay) } ?? policy.retryDelay
        quiet = Retry(at: now + delay, delay: delay)
        return delay
    }
}
