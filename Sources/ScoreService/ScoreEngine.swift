public import CourtsideProto
public import EventRelay
import Foundation
import GRPC
public import Logging
import NIOCore
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

    struct GameHead {
        var stored: StoredGame
        var sourceIds: [String: UInt64]?
        var recent = CircularBuffer<Event>()

        /// Keeps the newest events in memory, never older than the kept history.
        mutating func appendRecent(_ event: Event, capacity: Int) {
            recent.append(event)
            while recent.count > capacity || (recent.first?.position?.seq ?? .max) < stored.firstKeptSeq {
                _ = recent.popFirst()
            }
        }
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
    }

    public let configuration: Configuration
    private let store: any ScoreStore
    private let directory: any GameDirectory
    private let metrics: ScoreMetrics?
    private let logger: Logger
    private let state = Mutex(State())
    private let writer = Mutex<Task<Void, Never>?>(nil)

    public init(store: any ScoreStore, directory: any GameDirectory, configuration: Configuration = Configuration(), metrics: ScoreMetrics? = nil, logger: Logger) {
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
        // Every game must exist before any of them gets a log: a refused batch changes nothing.
        var seen: Set<String> = []
        var gameIds: [String] = []
        for (index, event) in events.enumerated() where seen.insert(event.gameId).inserted {
            try await requireKnown(event.gameId, prefix: "event \(index): ")
            gameIds.append(event.gameId)
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

    /// Checks, writes and applies one group of operations.
    private func process(_ operations: [Operation]) async {
        let started = ContinuousClock.now
        let now = Self.nowMs()
        let snapshot: [String: GameHead] = state.withLock { state in
            var touched: [String: GameHead] = [:]
            for operation in operations {
                if case .publish(let events, _) = operation {
                    for event in events where touched[event.gameId] == nil {
                        touched[event.gameId] = state.games[event.gameId]
                    }
                }
            }
            return touched
        }
        var working = snapshot.mapValues { $0.stored }
        var newSources: [String: [String: UInt64]] = [:]
        var commit = ScoreCommit()
        var accepted: [(CheckedContinuation<[PublishResult], any Error>, [PublishResult])] = []
        var createdGames: [(StoredGame, CheckedContinuation<Void, any Error>)] = []
        var refusals = 0

        for operation in operations {
            switch operation {
            case .createGame(let game, let continuation):
                let exists = state.withLock { $0.games[game.gameId] != nil } || createdGames.contains { $0.0.gameId == game.gameId }
                if exists {
                    continuation.resume()
                } else {
                    createdGames.append((game, continuation))
                    commit.games.append(game)
                }
            case .publish(let events, let continuation):
                do {
                    let (results, newEvents, updatedGames, updatedSources) = try check(
                        events, working: working, knownSources: snapshot, newSources: newSources, now: now
                    )
                    working = updatedGames
                    newSources = updatedSources
                    commit.events.append(contentsOf: newEvents)
                    accepted.append((continuation, results))
                } catch {
                    refusals += 1
                    continuation.resume(throwing: error)
                }
            }
        }

        // Heads of every game whose log changed, and retention.
        for (gameId, game) in working where game.lastSeq != snapshot[gameId]?.stored.lastSeq {
            var head = game
            head.updatedAtMs = now
            if configuration.historyLimit > 0, head.lastSeq >= UInt64(configuration.historyLimit) {
                let firstKept = head.lastSeq - UInt64(configuration.historyLimit) + 1
                if firstKept > head.firstKeptSeq {
                    head.firstKeptSeq = firstKept
                    commit.trims[gameId] = firstKept
                }
            }
            working[gameId] = head
            commit.games.append(head)
        }

        metrics?.refusedBatches.increment(by: Double(refusals))
        guard !commit.isEmpty else {
            for (continuation, results) in accepted { continuation.resume(returning: results) }
            return
        }
        do {
            try await store.commit(commit)
        } catch {
            logger.error("storage commit failed", metadata: ["error": "\(String(reflecting: error))", "events": "\(commit.events.count)"])
            metrics?.storageErrors.increment()
            // What failed stays in the log: the client learns only that it may retry.
            let failure = RPCError(.unavailable, "the score service's storage failed, nothing was stored; try again")
            for (continuation, _) in accepted { continuation.resume(throwing: failure) }
            for (_, continuation) in createdGames { continuation.resume(throwing: failure) }
            return
        }
        metrics?.commitLatency.record(ContinuousClock.now - started)

        // Durable: apply to memory and hand the events to subscribers, under one lock so that a
        // subscriber registering now sees either the old head and these events, or the new head.
        // Every status the events pass through, in order (a tip-off and a final in the same
        // commit are two reports: the schedule's state machine needs both).
        var statusChanges: [(String, GameStatus)] = []
        var lastStatus = snapshot.mapValues { $0.stored.state.status }
        for event in commit.events {
            guard let status = event.state?.status, lastStatus[event.gameId] != status else { continue }
            lastStatus[event.gameId] = status
            statusChanges.append((event.gameId, status))
        }
        state.withLock { state in
            for (game, _) in createdGames {
                state.games[game.gameId] = GameHead(stored: game, sourceIds: [:])
            }
            for (gameId, head) in working where head.lastSeq != snapshot[gameId]?.stored.lastSeq {
                state.games[gameId]?.stored = head
                if let sources = newSources[gameId] {
                    for (sourceId, seq) in sources { state.games[gameId]?.sourceIds?[sourceId] = seq }
                }
            }
            for event in commit.events {
                state.games[event.gameId]?.appendRecent(event, capacity: configuration.recentEventsInMemory)
                state.subscribers.offer(event) { $0.names(event.gameId) }
            }
            metrics?.gamesKnown.set(to: Double(state.games.count))
            metrics?.deepestSubscriberQueue.set(to: Double(state.subscribers.deepestQueue))
        }
        for (_, continuation) in createdGames { continuation.resume() }
        for (continuation, results) in accepted { continuation.resume(returning: results) }
        metrics?.eventsPublished.increment(by: Double(commit.events.count))
        metrics?.batchSize.record(Double(commit.events.count))
        for (gameId, status) in statusChanges {
            directory.statusChanged(gameId: gameId, status: status)
        }
    }

    /// Checks one publish request against the working state; returns its results and effects,
    /// or throws (and then none of its effects apply).
    private func check(
        _ events: [Event],
        working: [String: StoredGame],
        knownSources: [String: GameHead],
        newSources: [String: [String: UInt64]],
        now: Int64
    ) throws -> ([PublishResult], [Event], [String: StoredGame], [String: [String: UInt64]]) {
        var working = working
        var newSources = newSources
        var results: [PublishResult] = []
        var stored: [Event] = []
        results.reserveCapacity(events.count)
        for (index, original) in events.enumerated() {
            guard var game = working[original.gameId] else {
                throw Self.unknownGame(original.gameId, prefix: "event \(index): ")
            }
            if let seq = knownSources[original.gameId]?.sourceIds?[original.sourceId] ?? newSources[original.gameId]?[original.sourceId] {
                results.append(PublishResult(gameId: original.gameId, sourceId: original.sourceId, position: Position(epoch: game.epoch, seq: seq), duplicate: true))
                continue
            }
            try ScoreRules.checkTransition(from: game.lastSeq == 0 ? nil : game.state, to: original, index: index)
            guard game.lastSeq < RequestLimits.maximumPositionValue else {
                throw RPCError(.outOfRange, "event \(index): game '\(FieldCheck.shown(original.gameId))' has no positions left")
            }
            var event = original
            game.lastSeq += 1
            event.position = Position(epoch: game.epoch, seq: game.lastSeq)
            event.recordedAtMs = now
            game.state = original.state ?? game.state
            working[original.gameId] = game
            newSources[original.gameId, default: [:]][original.sourceId] = game.lastSeq
            stored.append(event)
            results.append(PublishResult(gameId: event.gameId, sourceId: event.sourceId, position: event.position, duplicate: false))
        }
        return (results, stored, working, newSources)
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
        return try await store.events(gameId: gameId, epoch: epoch, afterSeq: afterSeq, limit: limit).filter { ($0.position?.seq ?? 0) <= upTo }
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
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
