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

    public init(relay: GameRelay<Void>, history: any HistorySource, schedule: ScheduleCache, store: any SubscriptionStore, metrics: SubscriptionMetrics?) {
        self.relay = relay
        self.history = history
        self.schedule = schedule
        self.store = store
        self.metrics = metrics
    }

    // MARK: Subscribe

    public func subscribe(request: SubscribeRequest, response: RPCWriter<StreamItem>, context: ServerContext) async throws {
        var filter: RelayFilter
        var resume: [String: Position] = [:]
        if !request.subscriptionName.isEmpty {
            guard let subscription = try await store.get(name: request.subscriptionName) else {
                throw RPCError(.notFound, "no subscription named '\(request.subscriptionName)'")
            }
            filter = RelayFilter(subscription.filter ?? SubscriptionFilter())
            for cursor in subscription.cursors { if let after = cursor.after { resume[cursor.gameId] = after } }
        } else {
            guard let requested = request.filter, !RelayFilter(requested).isEmpty else {
                throw RPCError(.invalidArgument, "give a filter (game_ids, team_ids, all_live or all_games) or a subscription_name")
            }
            filter = RelayFilter(requested)
        }
        for cursor in request.resume {
            guard !cursor.gameId.isEmpty else { throw RPCError(.invalidArgument, "a resume cursor has no game_id") }
            if let after = cursor.after { resume[cursor.gameId] = after } else { resume.removeValue(forKey: cursor.gameId) }
        }
        try await validate(filter)

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
            if head == nil, let snapshot = try await history.snapshot(gameId: gameId), snapshot.position != nil {
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
                    events = try await history.events(gameId: gameId, epoch: head.epoch, afterSeq: afterSeq, upTo: head.lastSeq)
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

    /// Games and teams a filter names must exist.
    private func validate(_ filter: RelayFilter) async throws {
        for gameId in filter.gameIds.sorted() {
            guard try await schedule.fetch(gameId) != nil || relay.head(gameId) != nil else {
                throw RPCError(.notFound, "unknown game '\(gameId)'")
            }
        }
        if !filter.teamIds.isEmpty, schedule.isReady {
            let known = Set(schedule.allGames.flatMap { [$0.homeTeamId, $0.awayTeamId] })
            for team in filter.teamIds.sorted() where !known.contains(team) && !Self.nbaTricodes.contains(team) {
                throw RPCError(.notFound, "unknown team '\(team)'")
            }
        }
    }

    static let nbaTricodes: Set<String> = [
        "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW", "HOU", "IND", "LAC", "LAL", "MEM",
        "MIA", "MIL", "MIN", "NOP", "NYK", "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
    ]

    // MARK: Durable subscriptions

    public func createSubscription(request: CreateSubscriptionRequest, context: ServerContext) async throws -> Subscription {
        try Self.checkName(request.name)
        guard let filter = request.filter, !RelayFilter(filter).isEmpty else {
            throw RPCError(.invalidArgument, "a subscription needs a filter (game_ids, team_ids, all_live or all_games)")
        }
        try await validate(RelayFilter(filter))
        return try await store.create(name: request.name, filter: filter, createdAtMs: Int64(Date().timeIntervalSince1970 * 1000))
    }

    public func getSubscription(request: GetSubscriptionRequest, context: ServerContext) async throws -> Subscription {
        guard let subscription = try await store.get(name: request.name) else {
            throw RPCError(.notFound, "no subscription named '\(request.name)'")
        }
        return subscription
    }

    public func deleteSubscription(request: DeleteSubscriptionRequest, context: ServerContext) async throws -> DeleteSubscriptionResponse {
        guard try await store.delete(name: request.name) else {
            throw RPCError(.notFound, "no subscription named '\(request.name)'")
        }
        return DeleteSubscriptionResponse()
    }

    public func listSubscriptions(request: ListSubscriptionsRequest, context: ServerContext) async throws -> ListSubscriptionsResponse {
        ListSubscriptionsResponse(subscriptions: try await store.list())
    }

    public func acknowledge(request: AcknowledgeRequest, context: ServerContext) async throws -> Subscription {
        for cursor in request.positions where cursor.gameId.isEmpty || cursor.after == nil {
            throw RPCError(.invalidArgument, "every acknowledged position needs a game_id and a position")
        }
        guard let subscription = try await store.acknowledge(name: request.name, positions: request.positions) else {
            throw RPCError(.notFound, "no subscription named '\(request.name)'")
        }
        return subscription
    }

    static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
        guard !name.isEmpty, name.count <= 64, allowed else {
            throw RPCError(.invalidArgument, "subscription names are 1–64 characters of letters, digits, '.', '_' and '-' (got '\(name)')")
        }
    }
}
