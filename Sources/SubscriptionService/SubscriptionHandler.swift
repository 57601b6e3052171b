public import CourtsideProto
public import EventRelay
import Foundation
public import GRPC
import Logging
import Prometheus

/// `courtside.v1.SubscriptionService`: filtered event streams from the relayed score stream,
/// and durable named subscriptions.
public final class SubscriptionHandler: SubscriptionServiceHandler {
    /// Trailer with a `ResumeCursors` when a subscriber is cut off for falling behind.
    public static let resumeTrailer = SlowSubscriber.resumeTrailer

    private let relay: GameRelay<Void>
    private let history: any HistorySource
    private let schedule: ScheduleCache
    private let store: any SubscriptionStore
    private let metrics: SubscriptionMetrics?
    private let maximumSubscriptions: Int

    /// - Parameter maximumSubscriptions: most durable subscriptions kept; creating one more is
    ///   RESOURCE_EXHAUSTED.
    public init(
        relay: GameRelay<Void>, history: any HistorySource, schedule: ScheduleCache, store: any SubscriptionStore, metrics: SubscriptionMetrics?,
        maximumSubscriptions: Int = 1000
    ) {
        self.relay = relay
        self.history = history
        self.schedule = schedule
        self.store = store
        self.metrics = metrics
        self.maximumSubscriptions = maximumSubscriptions
    }

    // MARK: Subscribe

    public func subscribe(request: SubscribeRequest, response: RPCWriter<StreamItem>, context: ServerContext) async throws {
        var filter: RelayFilter
        var resume: [String: Position] = [:]
        if !request.subscriptionName.isEmpty {
            try SubscriptionRequestRules.checkName(request.subscriptionName, field: "subscription_name")
            guard let subscription = try await store.get(name: request.subscriptionName) else {
                throw SubscriptionRequestRules.noSubscription(request.subscriptionName)
            }
            filter = RelayFilter(subscription.filter ?? SubscriptionFilter())
            for cursor in subscription.cursors { if let after = cursor.after { resume[cursor.gameId] = after } }
        } else {
            guard let requested = request.filter, !RelayFilter(requested).isEmpty else {
                throw RPCError(.invalidArgument, "give a filter (game_ids, team_ids, all_live or all_games) or a subscription_name")
            }
            try SubscriptionRequestRules.checkFields(of: requested)
            filter = RelayFilter(requested)
        }
        try FieldCheck.count(request.resume.count, field: "resume", maximum: RequestLimits.cursorsPerRequest)
        for (index, cursor) in request.resume.enumerated() {
            try FieldCheck.gameID(cursor.gameId, field: "resume[\(index)].game_id")
            if let after = cursor.after { try FieldCheck.position(after, field: "resume[\(index)].after") }
        }
        for cursor in request.resume {
            if let after = cursor.after { resume[cursor.gameId] = after } else { resume.removeValue(forKey: cursor.gameId) }
        }
        try await checkExistence(of: filter, context: context)

        let (subscription, heads) = relay.subscribe(filter)
        metrics?.subscribers.increment()
        defer {
            relay.unsubscribe(subscription)
            metrics?.subscribers.decrement()
        }
        // Registered: from here on nothing relayed is missed, so the client may rely on it.
        try await response.sendHeaders()
        var delivered = DeliveredPositions()
        for (gameId, head) in heads { delivered.record(gameId: gameId, position: head.position) }

        // Catch up: every resumed game, and the initial state of what the filter names.
        var initial: [String] = Array(filter.gameIds)
        if resume.isEmpty || !filter.teamIds.isEmpty || filter.allLive {
            let today = GameDate.today()
            for head in heads.values where !filter.gameIds.contains(head.gameId) {
                let game = schedule.game(head.gameId)
                let teamMatch = !filter.teamIds.isEmpty && (filter.teamIds.contains(head.homeTeamId) || filter.teamIds.contains(head.awayTeamId))
                let live = RelayFilter.isLive(head.state.status)
                if (filter.allLive && live) || (teamMatch && (live || game?.date == today)) {
                    initial.append(head.gameId)
                }
            }
        }
        for gameId in Set(initial).union(resume.keys).sorted() {
            var head = heads[gameId]
            if head == nil, let snapshot = try await fromScore(context, { try await history.snapshot(gameId: gameId) }), snapshot.position != nil {
                relay.seed(snapshot)
                head = GameRelay<Void>.Head(snapshot: snapshot)
            }
            guard let head else { continue }
            switch CatchUpPlan.plan(cursor: resume[gameId], head: head.position) {
            case .nothing:
                break
            case .snapshot(let reason):
                try await response.write(StreamItem(reason: reason, item: .snapshot(head.snapshot)))
            case .events(let afterSeq):
                let events: [Event]?
                if let recent = relay.recentEvents(gameId: gameId, epoch: head.epoch, afterSeq: afterSeq, upTo: head.lastSeq) {
                    events = recent
                } else {
                    events = try await fromScore(context) {
                        try await history.events(gameId: gameId, epoch: head.epoch, afterSeq: afterSeq, upTo: head.lastSeq)
                    }
                }
                if let events {
                    for event in events { try await response.write(StreamItem(item: .event(event))) }
                } else {
                    try await response.write(StreamItem(reason: .reset, item: .snapshot(head.snapshot)))
                }
            }
            delivered.record(gameId: gameId, position: head.position)
        }

        while true {
            switch await subscription.next() {
            case .item(let relayed):
                let isSnapshot = relayed.item.item.map { if case .snapshot = $0 { true } else { false } } ?? false
                guard delivered.admit(gameId: relayed.gameId, position: relayed.position, isSnapshot: isSnapshot) else { continue }
                try await response.write(relayed.item)
                metrics?.deliveries.increment()
                if case .event(let event) = relayed.item.item, event.recordedAtMs > 0 {
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    metrics?.publishToDelivery.record(.milliseconds(max(0, now - event.recordedAtMs)))
                }
            case .overflowed:
                metrics?.slowSubscribers.increment()
                throw SlowSubscriber.error(capacity: subscription.capacity, cursors: delivered.cursors)
            case .finished:
                if Task.isCancelled { return }
                throw RPCError(.unavailable, "the subscription service is shutting down; resume from your last positions")
            }
        }
    }

    // MARK: Durable subscriptions

    public func createSubscription(request: CreateSubscriptionRequest, context: ServerContext) async throws -> Subscription {
        try SubscriptionRequestRules.checkName(request.name, field: "name")
        guard let filter = request.filter, !RelayFilter(filter).isEmpty else {
            throw RPCError(.invalidArgument, "a subscription needs a filter (game_ids, team_ids, all_live or all_games)")
        }
        try SubscriptionRequestRules.checkFields(of: filter)
        try await checkExistence(of: RelayFilter(filter), context: context)
        return try await store.create(
            name: request.name, filter: filter, createdAtMs: Int64(Date().timeIntervalSince1970 * 1000), maximumCount: maximumSubscriptions
        )
    }

    public func getSubscription(request: GetSubscriptionRequest, context: ServerContext) async throws -> Subscription {
        try SubscriptionRequestRules.checkName(request.name, field: "name")
        guard let subscription = try await store.get(name: request.name) else {
            throw SubscriptionRequestRules.noSubscription(request.name)
        }
        return subscription
    }

    public func deleteSubscription(request: DeleteSubscriptionRequest, context: ServerContext) async throws -> DeleteSubscriptionResponse {
        try SubscriptionRequestRules.checkName(request.name, field: "name")
        guard try await store.delete(name: request.name) else {
            throw SubscriptionRequestRules.noSubscription(request.name)
        }
        return DeleteSubscriptionResponse()
    }

    public func listSubscriptions(request: ListSubscriptionsRequest, context: ServerContext) async throws -> ListSubscriptionsResponse {
        ListSubscriptionsResponse(subscriptions: try await store.list())
    }

    public func acknowledge(request: AcknowledgeRequest, context: ServerContext) async throws -> Subscription {
        try SubscriptionRequestRules.checkName(request.name, field: "name")
        try FieldCheck.count(request.positions.count, field: "positions", maximum: RequestLimits.cursorsPerRequest)
        for (index, cursor) in request.positions.enumerated() {
            try FieldCheck.gameID(cursor.gameId, field: "positions[\(index)].game_id")
            guard let after = cursor.after else {
                throw RPCError(.invalidArgument, "positions[\(index)].after: every acknowledged position needs a game_id and a position")
            }
            try FieldCheck.position(after, field: "positions[\(index)].after")
        }
        // Everything is checked before the store is touched: a refused request changes nothing.
        for (index, cursor) in request.positions.enumerated() {
            guard try await isKnown(cursor.gameId, context: context) else {
                throw SubscriptionRequestRules.unknownGame(cursor.gameId, field: "positions[\(index)].game_id")
            }
        }
        guard let subscription = try await store.acknowledge(name: request.name, positions: request.positions) else {
            throw SubscriptionRequestRules.noSubscription(request.name)
        }
        return subscription
    }

    // MARK: Checks against what exists

    /// Games and teams a filter names must exist (NOT_FOUND).
    private func checkExistence(of filter: RelayFilter, context: ServerContext) async throws {
        for gameId in filter.gameIds.sorted() {
            guard try await isKnown(gameId, context: context) else {
                throw SubscriptionRequestRules.unknownGame(gameId, field: "filter.game_ids")
            }
        }
        if !filter.teamIds.isEmpty, schedule.isReady {
            let known = Set(schedule.allGames.flatMap { [$0.homeTeamId, $0.awayTeamId] })
            for team in filter.teamIds.sorted() where !known.contains(team) && !SubscriptionRequestRules.nbaTricodes.contains(team) {
                throw RPCError(.notFound, "filter.team_ids: unknown team '\(FieldCheck.shown(team))'")
            }
        }
    }

    /// Whether the relay or the schedule service knows the game.
    private func isKnown(_ gameId: String, context: ServerContext) async throws -> Bool {
        if relay.head(gameId) != nil { return true }
        do {
            return try await schedule.fetch(gameId) != nil
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.warning("cannot check a game with the schedule service", metadata: ["game": "\(gameId)", "error": "\(error)"])
            throw RPCError(.unavailable, "cannot check game '\(gameId)' with the schedule service; try again")
        }
    }

    /// A call to the score service for history; its failure reaches the client without its
    /// details (an address, a connection error), which go to the log.
    private func fromScore<T>(_ context: ServerContext, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.warning("cannot read history from the score service", metadata: ["error": "\(error)"])
            throw RPCError(.unavailable, "cannot read the game's history from the score service; resume again")
        }
    }
}
