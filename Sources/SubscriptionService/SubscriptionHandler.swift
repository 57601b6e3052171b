import Auth
import CourtsideDomain
public import CourtsideProto
public import CourtsideRPC
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
    private let ownership: SubscriptionOwnership

    /// - Parameter maximumSubscriptions: most durable subscriptions kept; creating one more is
    ///   RESOURCE_EXHAUSTED.
    public init(
        relay: GameRelay<Void>, history: any HistorySource, schedule: ScheduleCache, store: any SubscriptionStore,
        metrics: SubscriptionMetrics?,
        maximumSubscriptions: Int = 1000, ownership: SubscriptionOwnership = .unenforced
    ) {
        self.ownership = ownership
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
            guard let owner = try await store.owner(of: request.subscriptionName) else {
                throw SubscriptionRequestRules.noSubscription(request.subscriptionName)
            }
            try ownership.check(owner: owner, scope: Scope.consumeSubscriptions, context: context)
            guard let subscription = try await store.get(name: request.subscriptionName) else {
                throw SubscriptionRequestRules.noSubscription(request.subscriptionName)
            }
            filter = RelayFilter(subscription.filter ?? SubscriptionFilter())
            // The request's leagues narrow the subscription's (its other filter fields are not read).
            if let narrowing = request.filter, !narrowing.leagueIds.isEmpty {
                let leagues = try SubscriptionRequestRules.checkLeagues(of: narrowing)
                filter.leagueIds = filter.leagueIds.isEmpty ? leagues : filter.leagueIds.intersection(leagues)
                if filter.leagueIds.isEmpty {
                    throw RPCError(
                        .invalidArgument,
                        "filter.league_ids: subscription '\(request.subscriptionName)' follows none of these leagues (it follows \((subscription.filter?.leagueIds ?? []).sorted().joined(separator: ", ")))"
                    )
                }
            }
            for cursor in subscription.cursors { if let after = cursor.after { resume[cursor.gameId] = after } }
        } else {
            guard let requested = request.filter, !RelayFilter(requested).isEmpty else {
                throw RPCError(
                    .invalidArgument, "give a filter (game_ids, team_ids, all_live, all_games or league_ids) or a subscription_name")
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
        // Every resumed game, and the initial state of what the filter names (of its leagues only).
        let catchingUp = Set(initialGames(filter, heads: heads, resuming: !resume.isEmpty)).union(resume.keys)
            .filter { filter.admits(league: schedule.league(of: $0)) }.sorted()
            .map { ResumableStream<RelayedItem<Void>>.CatchUp(gameId: $0, cursor: resume[$0]) }
        let stream = ResumableStream(subscription: subscription, registeredHeads: heads.mapValues(\.position), service: "subscription")
        try await stream.run(
            catchingUp: catchingUp,
            head: { gameId in try await head(of: gameId, registered: heads, context: context) },
            history: RelayCatchUpHistory(relay: relay, score: history, logger: context.logger),
            writer: response,
            observer: metrics
        )
    }

    /// The games whose state a new subscriber starts with (beside those it resumes): every game
    /// it names, and — unless it only resumes — today's and live games of its teams, and every
    /// live game for all_live.
    private func initialGames(_ filter: RelayFilter, heads: [String: GameRelay<Void>.Head], resuming: Bool) -> [String] {
        var initial: [String] = Array(filter.gameIds)
        guard !resuming || !filter.teamIds.isEmpty || filter.allLive else { return initial }
        let today = GameDate.today()
        for head in heads.values where !filter.gameIds.contains(head.gameId) {
            let teamMatch =
                !filter.teamIds.isEmpty && (filter.teamIds.contains(head.homeTeamId) || filter.teamIds.contains(head.awayTeamId))
            let live = RelayFilter.isLive(head.state.status)
            if (filter.allLive && live) || (teamMatch && (live || schedule.game(head.gameId)?.date == today)) {
                initial.append(head.gameId)
            }
        }
        return initial
    }

    /// A game's head when the subscriber registered; a game the relay has not seen yet is
    /// fetched from the score service (and seeded into the relay).
    private func head(of gameId: String, registered heads: [String: GameRelay<Void>.Head], context: ServerContext) async throws
        -> CatchUpHead?
    {
        if let head = heads[gameId] { return CatchUpHead(snapshot: head.snapshot) }
        guard let snapshot = try await fromScore(context.logger, { try await history.snapshot(gameId: gameId) }), snapshot.position != nil
        else {
            return nil
        }
        relay.seed(snapshot)
        return CatchUpHead(snapshot: GameRelay<Void>.Head(snapshot: snapshot).snapshot)
    }

    // MARK: Durable subscriptions

    public func createSubscription(request: CreateSubscriptionRequest, context: ServerContext) async throws -> Subscription {
        try SubscriptionRequestRules.checkName(request.name, field: "name")
        guard let filter = request.filter, !RelayFilter(filter).isEmpty else {
            throw RPCError(.invalidArgument, "a subscription needs a filter (game_ids, team_ids, all_live, all_games or league_ids)")
        }
        try SubscriptionRequestRules.checkFields(of: filter)
        AuditNote.games(filter.gameIds)
        try await checkExistence(of: RelayFilter(filter), context: context)
        return try await store.create(
            name: request.name, filter: filter, owner: ownership.creator, createdAtMs: UnixTime.nowMs(), maximumCount: maximumSubscriptions
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
        try await checkOwner(of: request.name, scope: Scope.manageSubscriptions, context: context)
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
        AuditNote.games(request.positions.lazy.map(\.gameId))
        // Everything is checked before the store is touched: a refused request changes nothing.
        try await checkOwner(of: request.name, scope: Scope.consumeSubscriptions, context: context)
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

    /// The subscription exists (NOT_FOUND) and the caller may act on it (PERMISSION_DENIED).
    private func checkOwner(of name: String, scope: String, context: ServerContext) async throws {
        guard let owner = try await store.owner(of: name) else { throw SubscriptionRequestRules.noSubscription(name) }
        try ownership.check(owner: owner, scope: scope, context: context)
    }

    /// Games and teams a filter names must exist (NOT_FOUND), and be of its leagues when it
    /// names some (INVALID_ARGUMENT: they would never deliver anything).
    private func checkExistence(of filter: RelayFilter, context: ServerContext) async throws {
        for gameId in filter.gameIds.sorted() {
            guard try await isKnown(gameId, context: context) else {
                throw SubscriptionRequestRules.unknownGame(gameId, field: "filter.game_ids")
            }
            if let league = schedule.league(of: gameId), !filter.admits(league: league) {
                throw SubscriptionRequestRules.otherLeague("game", gameId, league: league, field: "filter.game_ids", filter: filter)
            }
        }
        guard !filter.teamIds.isEmpty else { return }
        var teamLeagues: [String: String] = [:]
        for team in SeedTeams.messages { teamLeagues[team.id] = team.leagueId }
        for game in schedule.allGames {
            let league = game.leagueId.isEmpty ? Leagues.nba.id : game.leagueId
            teamLeagues[game.homeTeamId] = league
            teamLeagues[game.awayTeamId] = league
        }
        for team in filter.teamIds.sorted() {
            guard let league = teamLeagues[team] else {
                if schedule.isReady { throw RPCError(.notFound, "filter.team_ids: unknown team '\(FieldCheck.shown(team))'") }
                continue
            }
            if !filter.admits(league: league) {
                throw SubscriptionRequestRules.otherLeague("team", team, league: league, field: "filter.team_ids", filter: filter)
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

}
