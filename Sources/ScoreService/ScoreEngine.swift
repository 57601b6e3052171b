import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import EventRelay
import Foundation
import GRPC
public import Logging
import Prometheus
import Synchronization

/// The single writer of every game's log, and the source of live events.
///
/// Publishing is a group commit: requests queue up, the writer takes all that are waiting,
/// checks them in arrival order against each game's state (a request that breaks a rule is
/// refused alone, as a whole), gives each new event the next position of its game, writes
/// everything accepted in one transaction, and only then updates memory, answers the
/// publishers and hands the events to subscribers. So positions are gapless and never reused,
/// an acknowledged event is durable, and subscribers see events in commit order.
public final class ScoreEngine: Sendable {
    public struct Configuration: Sendable {
        /// Events kept per game; older ones are trimmed (resuming before them gets a reset
        /// snapshot). 0 keeps the whole game.
        public var historyLimit: Int = 0
        /// Recent events per game kept in memory for fast catch-up.
        public var recentEventsInMemory: Int = 1024
        /// How far a subscriber may fall behind before its stream is ended.
        public var subscriberQueueCapacity: Int = 10_000

        public init() {}
    }

    private enum Operation {
        case publish([Event], CheckedContinuation<[PublishResult], any Error>)
        case createGame(StoredGame, CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var games: [String: GameHead] = [:]
        var pending: [Operation] = []
        var writerWaiting: CheckedContinuation<Void, Never>?
        var subscribers = SubscriberRegistry<Event>()
        var stopped = false
        /// Each game's league once the schedule has named it (nil: no league Courtside knows).
        var leagues: [String: String?] = [:]
        /// Games whose league is being asked for in the background.
        var leagueLookups: Set<String> = []
    }

    public let configuration: Configuration
    private let store: any ScoreStore
    private let directory: any GameDirectory
    private let metrics: ScoreMetrics?
    private let logger: Logger
    private let state = Mutex(State())
    private let writer = Mutex<Task<Void, Never>?>(nil)

    public init(
        store: any ScoreStore, directory: any GameDirectory, configuration: Configuration = Configuration(), metrics: ScoreMetrics? = nil,
        logger: Logger
    ) {
        self.store = store
        self.directory = directory
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// Loads every game's head and starts the writer.
    public func start() async throws {
        let games = try await store.loadGames()
        state.withLock { state in
            for game in games {
                state.games[game.gameId] = GameHead(stored: game)
            }
        }
        metrics?.gamesKnown.set(to: Double(games.count))
        let task = Task { await self.runWriter() }
        writer.withLock { $0 = task }
        logger.info("score log loaded", metadata: ["games": "\(games.count)"])
    }

    /// Ends every subscription (their streams end with UNAVAILABLE so subscribers resume
    /// elsewhere); publishing goes on. The first step of draining.
    public func endSubscriptions() {
        let subscriptions = state.withLock { $0.subscribers.removeAll() }
        for subscription in subscriptions {
            subscription.finish()
        }
    }

    /// Stops the writer after the requests already queued, and ends every subscription.
    public func stop() async {
        let waiter = state.withLock { state in
            state.stopped = true
            state.subscribers.stop()
            defer { state.writerWaiting = nil }
            return state.writerWaiting
        }
        waiter?.resume()
        await writer.withLock({ $0 })?.value
        // After the writer: subscribers get the events of the requests it still committed.
        let subscriptions = state.withLock { $0.subscribers.removeAll() }
        for subscription in subscriptions {
            subscription.finish()
        }
    }

    // MARK: Publishing

    /// Appends events; see `ScoreService.PublishEvents`. Throws `RPCError` naming the offending
    /// event when the batch is refused (nothing of it is stored then).
    public func publish(_ events: [Event]) async throws -> [PublishResult] {
        guard !events.isEmpty else { return [] }
        try FieldCheck.count(events.count, field: "events", maximum: ScoreRules.maximumBatchSize)
        for (index, event) in events.enumerated() {
            try ScoreRules.checkFields(event, index: index)
        }
        // Every game must exist, and every clock fit its league's periods, before any game
        // gets a log: a refused batch changes nothing.
        var leagues: [String: String?] = [:]
        var gameIds: [String] = []
        for (index, event) in events.enumerated() {
            if leagues[event.gameId] == nil {
                leagues[event.gameId] = .some(try await knownLeague(event.gameId, prefix: "event \(index): "))
                gameIds.append(event.gameId)
            }
            try ScoreRules.checkClock(event, leagueID: leagues[event.gameId] ?? nil, index: index)
        }
        for gameId in gameIds {
            try await prepareGame(gameId)
        }
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(.publish(events, continuation))
        }
    }

    /// Throws NOT_FOUND unless the game has a log or the schedule knows it; creates nothing.
    /// `prefix` starts the message (which event or field named the game).
    public func requireKnown(_ gameId: String, prefix: String = "") async throws {
        if head(gameId) != nil { return }
        guard try await directory.game(id: gameId) != nil else {
            throw Self.unknownGame(gameId, prefix: prefix)
        }
    }

    /// The league of a game (as ``requireKnown(_:prefix:)`` checks it exists): nil when it is
    /// no league Courtside knows, or not known yet. A game without a log is looked up (it must
    /// exist); one with a log (loaded at start) never waits for the schedule service: its league
    /// is asked for in the background, and until the answer the hour of any clock applies.
    func knownLeague(_ gameId: String, prefix: String) async throws -> String? {
        if let league = state.withLock({ $0.leagues[gameId] }) { return league }
        if head(gameId) != nil {
            lookUpLeague(gameId)
            return nil
        }
        guard let game = try await directory.game(id: gameId) else { throw Self.unknownGame(gameId, prefix: prefix) }
        return remember(game.leagueId, of: gameId)
    }

    private func lookUpLeague(_ gameId: String) {
        guard state.withLock({ $0.leagueLookups.insert(gameId).inserted }) else { return }
        Task { [directory] in
            let game = try? await directory.game(id: gameId)
            state.withLock { _ = $0.leagueLookups.remove(gameId) }
            if let game { remember(game.leagueId, of: gameId) }
        }
    }

    /// Keeps the league the schedule names for a game: its id, nil for one Courtside does not know.
    @discardableResult
    private func remember(_ leagueID: String, of gameId: String) -> String? {
        let league: String? = leagueID.isEmpty || Leagues.ids.contains(leagueID) ? leagueID : nil
        state.withLock { $0.leagues[gameId] = .some(league) }
        return league
    }

    static func unknownGame(_ gameId: String, prefix: String = "") -> RPCError {
        RPCError(.notFound, "\(prefix)unknown game '\(FieldCheck.shown(gameId))': the schedule service does not know it")
    }

    /// Makes sure a game's log exists (created, with a new epoch, if the schedule knows the game)
    /// and that its source ids are in memory. Throws NOT_FOUND for a game the schedule does not
    /// know.
    public func prepareGame(_ gameId: String) async throws {
        let head = state.withLock { $0.games[gameId] }
        if let head {
            if head.sourceIds == nil {
                let sourceIds = try await store.loadSourceIds(gameId: gameId)
                state.withLock { state in
                    if state.games[gameId]?.sourceIds == nil {
                        state.games[gameId]?.sourceIds = sourceIds
                    }
                }
            }
            return
        }
        guard let game = try await directory.game(id: gameId) else {
            throw Self.unknownGame(gameId)
        }
        let now = Self.nowMs()
        let created = StoredGame(
            gameId: gameId,
            epoch: UInt64(max(1, now)),
            lastSeq: 0,
            firstKeptSeq: 1,
            state: GameState(status: game.status == .unspecified ? .scheduled : game.status),
            homeTeamId: game.homeTeamId,
            awayTeamId: game.awayTeamId,
            updatedAtMs: now
        )
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue(.createGame(created, continuation))
        }
    }

    private func enqueue(_ operation: Operation) {
        let waiter: CheckedContinuation<Void, Never>?? = state.withLock { state in
            guard !state.stopped else { return .none }
            state.pending.append(operation)
            defer { state.writerWaiting = nil }
            return .some(state.writerWaiting)
        }
        switch waiter {
        case .none:
            fail(operation, with: RPCError(.unavailable, "the score service is shutting down"))
        case .some(let waiter):
            waiter?.resume()
        }
    }

    private func fail(_ operation: Operation, with error: any Error) {
        switch operation {
        case .publish(_, let continuation): continuation.resume(throwing: error)
        case .createGame(_, let continuation): continuation.resume(throwing: error)
        }
    }

    private func runWriter() async {
        while true {
            await withCheckedContinuation { (wake: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if !state.pending.isEmpty || state.stopped { return true }
                    state.writerWaiting = wake
                    return false
                }
                if resumeNow { wake.resume() }
            }
            let batch: [Operation]? = state.withLock { state in
                if state.pending.isEmpty { return state.stopped ? nil : [] }
                defer { state.pending.removeAll(keepingCapacity: true) }
                return state.pending
            }
            guard let batch else { return }
            if !batch.isEmpty {
                await process(batch)
            }
        }
    }

    /// Checks, writes and applies one group of operations (see `GroupCommit`).
    private func process(_ operations: [Operation]) async {
        let started = ContinuousClock.now
        var plan = GroupCommit(games: gamesNamed(by: operations), now: Self.nowMs())
        var answers = decide(operations, in: &plan)
        plan.closeHeads(historyLimit: configuration.historyLimit)
        metrics?.refusedBatches.increment(by: Double(answers.refusals))
        guard !plan.commit.isEmpty else {
            answers.succeed()
            return
        }
        do {
            try await store.commit(plan.commit)
        } catch {
            logger.error(
                "storage commit failed", metadata: ["error": "\(String(reflecting: error))", "events": "\(plan.commit.events.count)"])
            metrics?.storageErrors.increment()
            // What failed stays in the log: the client learns only that it may retry.
            answers.fail(RPCError(.unavailable, "the score service's storage failed, nothing was stored; try again"))
            return
        }
        metrics?.commitLatency.record(ContinuousClock.now - started)
        applyDurable(plan)
        answers.succeed()
        metrics?.eventsPublished.increment(by: Double(plan.commit.events.count))
        metrics?.batchSize.record(Double(plan.commit.events.count))
        for change in plan.statusChanges {
            directory.statusChanged(gameId: change.gameId, status: change.status)
        }
    }

    /// The games the operations name, as they are in memory now.
    private func gamesNamed(by operations: [Operation]) -> [String: GameHead] {
        state.withLock { state in
            var named: [String: GameHead] = [:]
            for operation in operations {
                switch operation {
                case .publish(let events, _):
                    for event in events where named[event.gameId] == nil {
                        named[event.gameId] = state.games[event.gameId]
                    }
                case .createGame(let game, _):
                    named[game.gameId] = state.games[game.gameId]
                }
            }
            return named
        }
    }

    /// Puts every operation to the plan in arrival order: a refused request, or a game that
    /// exists already, is answered now; the rest once the commit is written.
    private func decide(_ operations: [Operation], in plan: inout GroupCommit) -> PendingAnswers {
        var answers = PendingAnswers()
        for operation in operations {
            switch operation {
            case .createGame(let game, let continuation):
                if plan.create(game) {
                    answers.created.append(continuation)
                } else {
                    continuation.resume()
                }
            case .publish(let events, let continuation):
                do {
                    answers.accepted.append((continuation, try plan.publish(events)))
                } catch {
                    answers.refusals += 1
                    continuation.resume(throwing: error)
                }
            }
        }
        return answers
    }

    /// Applies a durable commit to memory and hands its events to subscribers, under one lock:
    /// a subscriber registering now sees either the old heads and these events, or the new heads.
    private func applyDurable(_ plan: GroupCommit) {
        state.withLock { state in
            for game in plan.createdGames {
                state.games[game.gameId] = GameHead(stored: game, sourceIds: [:])
            }
            for head in plan.changedHeads {
                state.games[head.gameId]?.stored = head
                for (sourceId, seq) in plan.newSources[head.gameId] ?? [:] {
                    state.games[head.gameId]?.sourceIds?[sourceId] = seq
                }
            }
            for event in plan.commit.events {
                state.games[event.gameId]?.appendRecent(event, capacity: configuration.recentEventsInMemory)
                state.subscribers.offer(event) { $0.names(event.gameId) }
            }
            metrics?.gamesKnown.set(to: Double(state.games.count))
            metrics?.deepestSubscriberQueue.set(to: Double(state.subscribers.deepestQueue))
        }
    }

    /// The answers a group commit owes once it is written (or failed).
    private struct PendingAnswers {
        var accepted: [(CheckedContinuation<[PublishResult], any Error>, [PublishResult])] = []
        var created: [CheckedContinuation<Void, any Error>] = []
        var refusals = 0

        mutating func succeed() {
            for continuation in created { continuation.resume() }
            for (continuation, results) in accepted { continuation.resume(returning: results) }
        }

        mutating func fail(_ error: any Error) {
            for (continuation, _) in accepted { continuation.resume(throwing: error) }
            for continuation in created { continuation.resume(throwing: error) }
        }
    }

    // MARK: Reading

    /// The current heads of the given games (all games if nil).
    public func heads(_ gameIds: [String]?) -> [StoredGame] {
        state.withLock { state in
            guard let gameIds else { return state.games.values.map(\.stored) }
            return gameIds.compactMap { state.games[$0]?.stored }
        }
    }

    public func head(_ gameId: String) -> StoredGame? {
        state.withLock { $0.games[gameId]?.stored }
    }

    /// Kept events of a game after `afterSeq` up to `upTo`, oldest first: from memory when the
    /// recent events cover them, else from storage.
    public func history(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64, limit: Int) async throws -> [Event] {
        let fromMemory: [Event]? = state.withLock { state in
            guard let head = state.games[gameId], head.stored.epoch == epoch,
                let first = head.recent.first?.position?.seq, first == 0 || first - 1 <= afterSeq
            else { return nil }
            return head.recent.filter { ($0.position?.seq ?? 0) > afterSeq && ($0.position?.seq ?? 0) <= upTo }.prefix(limit).map { $0 }
        }
        if let fromMemory { return fromMemory }
        let started = ContinuousClock.now
        defer { metrics?.readLatency.record(ContinuousClock.now - started) }
        return try await store.events(gameId: gameId, epoch: epoch, afterSeq: afterSeq, limit: limit).filter {
            ($0.position?.seq ?? 0) <= upTo
        }
    }

    public func historyDescending(gameId: String, epoch: UInt64, beforeSeq: UInt64, limit: Int) async throws -> [Event] {
        let started = ContinuousClock.now
        defer { metrics?.readLatency.record(ContinuousClock.now - started) }
        return try await store.eventsDescending(gameId: gameId, epoch: epoch, beforeSeq: beforeSeq, limit: limit)
    }

    // MARK: Subscriptions

    /// Registers a subscriber and returns, atomically with the registration, the heads of the
    /// games it follows: every event after those heads will be offered to the subscription.
    /// - Parameter gameIds: the games followed; nil for all games, including games that start later.
    public func subscribe(_ gameIds: Set<String>?) -> (LiveSubscription<Event>, [String: StoredGame]) {
        let filter = gameIds.map { RelayFilter(gameIds: $0) } ?? RelayFilter(allGames: true)
        return state.withLock { state in
            let subscription = state.subscribers.register(filter, capacity: configuration.subscriberQueueCapacity)
            var heads: [String: StoredGame] = [:]
            if let gameIds {
                for gameId in gameIds { heads[gameId] = state.games[gameId]?.stored }
            } else {
                for (gameId, head) in state.games { heads[gameId] = head.stored }
            }
            metrics?.subscribers.set(to: Double(state.subscribers.count))
            return (subscription, heads)
        }
    }

    public func unsubscribe(_ subscription: LiveSubscription<Event>) {
        state.withLock { state in
            state.subscribers.remove(subscription)
            metrics?.subscribers.set(to: Double(state.subscribers.count))
        }
        subscription.finish()
    }

    /// The deepest subscriber queue (for metrics).
    public var deepestSubscriberQueue: Int {
        state.withLock { $0.subscribers.deepestQueue }
    }

    static func nowMs() -> Int64 {
        UnixTime.nowMs()
    }
}
