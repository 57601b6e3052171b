import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
import GRPC
public import Logging

/// The schedule: teams, games and their status, with every rule the service enforces.
///
/// It validates requests (INVALID_ARGUMENT), applies the status state machine
/// (FAILED_PRECONDITION), keeps revisions, reads and writes through a ``ScheduleStore`` and
/// tells watchers about every change, its own and those of other processes sharing the store
/// (through the store's change log). Errors are `RPCError`s with the status a client gets;
/// storage failures propagate as they are (the gRPC handler in `Schedule+Handler.swift` turns
/// them into UNAVAILABLE). Tests and in-process callers use these methods directly.
public final class Schedule: Sendable {
    /// Limits on requests.
    public struct Limits: Sendable {
        /// Games per `ListGames` page when the request says 0.
        public var defaultPageSize = 100
        /// Most games per `ListGames` page; larger requests get this many.
        public var maximumPageSize = 1000
        /// Most games in one `UpsertGames` call.
        public var maximumGamesPerUpsert = 10_000
        /// Most teams in one `UpsertGames` call.
        public var maximumTeamsPerUpsert = 1000
        /// Most game ids in one `WatchGames` call.
        public var maximumWatchedGames = RequestLimits.cursorsPerRequest

        /// The default limits.
        public init() {}
    }

    /// Where games are kept.
    public let store: any ScheduleStore
    /// The watchers of changes.
    public let hub: GameChangeHub
    /// The service's metrics.
    public let metrics: ScheduleMetrics
    /// The limits in force.
    public let limits: Limits
    /// The known teams (the seed, and those feeds created).
    let teamDirectory: TeamDirectory
    let logger: Logger
    /// Publishes the store's change log to `hub`, in commit order.
    private let feed: ChangeFeed
    private let feedTask: Task<Void, Never>

    /// Loads the teams from `store` and the per-status game counts into the metrics.
    /// - Parameters:
    ///   - store: where teams and games are kept.
    ///   - metrics: where to record.
    ///   - watchQueueCapacity: most changes a watcher may have waiting before it is ended.
    ///   - changePollInterval: how often the change log is read for the writes of other
    ///     processes sharing the store (the writes of this one are read at once).
    ///   - limits: request limits.
    ///   - logger: for changes and failures.
    ///
    /// Call ``close()`` when done: it stops reading the change log and closes the store.
    public init(
        store: any ScheduleStore,
        metrics: ScheduleMetrics,
        watchQueueCapacity: Int = 1024,
        changePollInterval: Duration = .milliseconds(200),
        limits: Limits = Limits(),
        logger: Logger
    ) async throws {
        self.store = store
        self.metrics = metrics
        self.limits = limits
        self.logger = logger
        let hub = GameChangeHub(capacity: watchQueueCapacity) { [metrics] in
            metrics.watcherEnded(reason: "slow")
        }
        self.hub = hub
        teamDirectory = TeamDirectory(try await store.teams())
        metrics.setGameCounts(try await store.gameCountsByStatus())
        let feed = ChangeFeed(
            store: store,
            hub: hub,
            startAfter: try await store.latestChangeSequence(),
            interval: changePollInterval,
            logger: logger
        ) { [store, metrics] in
            // Other processes change statuses too: recount now and then.
            if let counts = try? await store.gameCountsByStatus() {
                metrics.setGameCounts(counts)
            }
        }
        self.feed = feed
        feedTask = Task { await feed.run() }
    }

    /// Stops reading the change log, ends the watchers and closes the store.
    public func close() async {
        closeWatchers()
        feedTask.cancel()
        await feedTask.value
        await store.close()
    }

    // MARK: Reads

    /// All teams, ordered by id.
    public func teams() -> [Team] {
        teamDirectory.all
    }

    /// The leagues the schedule knows, ordered by id.
    public func leagues() -> [League] {
        Leagues.all
    }

    /// The teams of the request's leagues (all teams when it names none), ordered by id.
    /// - Throws: INVALID_ARGUMENT for a malformed league id, NOT_FOUND for an unknown one.
    public func listTeams(_ request: ListTeamsRequest) async throws -> ListTeamsResponse {
        let leagues = try LeagueFilter.validate(request.leagueIds)
        // Teams another replica created are read from the store (at most once a second).
        try await teamDirectory.reload(from: store.teams)
        let teams = teamDirectory.all
        return ListTeamsResponse(teams: leagues.isEmpty ? teams : teams.filter { leagues.contains($0.leagueId) })
    }

    /// The ids of the known teams, reloaded from the store first (at most once a second) when
    /// one of `named` is not among them (another process sharing the store may have created it).
    func knownTeamIDs(including named: some Sequence<String>) async throws -> Set<String> {
        if !teamDirectory.knows(named) {
            try await teamDirectory.reload(from: store.teams)
        }
        return teamDirectory.ids
    }

    /// One page of the games matching the request's filter.
    /// - Throws: INVALID_ARGUMENT for a malformed filter or page token.
    public func listGames(_ request: ListGamesRequest) async throws -> ListGamesResponse {
        let filter = try GameFilter(validating: request, teamIDs: try await knownTeamIDs(including: request.teamIds))
        let pageSize = request.pageSize == 0 ? limits.defaultPageSize : min(Int(request.pageSize), limits.maximumPageSize)
        try FieldCheck.text(request.pageToken, field: "page_token", maximumBytes: RequestLimits.pageTokenBytes)
        let after = request.pageToken.isEmpty ? nil : try PageToken.decode(request.pageToken, filter: filter)
        // One more than a page: whether it exists says whether there is a next page.
        let rows = try await store.games(matching: filter, after: after, limit: pageSize + 1)
        let page = Array(rows.prefix(pageSize))
        var response = ListGamesResponse(games: page)
        if rows.count > pageSize, let last = page.last {
            response.nextPageToken = PageToken.encode(after: GameKey(last), filter: filter)
        }
        return response
    }

    /// The game with this id.
    /// - Throws: INVALID_ARGUMENT for a malformed id, NOT_FOUND for an unknown game.
    public func game(id: String) async throws -> Game {
        try GameValidation.validate(gameID: id, field: "game_id")
        guard let game = try await store.game(id: id) else {
            throw RPCError(.notFound, "game \(id) does not exist")
        }
        return game
    }

    // MARK: Writes

    /// Creates or updates games, all or none.
    /// - Returns: the games as stored, in request order, with their revisions.
    /// - Throws: INVALID_ARGUMENT naming the first malformed game and field; FAILED_PRECONDITION
    ///   for the first refused status change. Nothing is written then.
    /// - Parameter teams: teams to create or refresh first (of leagues without seed data); they
    ///   are validated with the games and written only when every game is valid.
    public func upsert(_ games: [Game], teams: [Team] = []) async throws -> [Game] {
        try TeamValidation.validate(teams: teams, maximumCount: limits.maximumTeamsPerUpsert)
        var known = try await knownTeamIDs(including: games.flatMap { [$0.homeTeamId, $0.awayTeamId] })
        known.formUnion(teams.map(\.id))
        try GameValidation.validate(batch: games, teamIDs: known, maximumCount: limits.maximumGamesPerUpsert)
        var leagues = teamDirectory.leagues
        for team in teams { leagues[team.id] = team.leagueId }
        let games = try GameLeagues.assign(games, teamLeagues: leagues)
        if !teams.isEmpty {
            try await store.upsert(teams: teams)
            teamDirectory.insert(teams)
            logger.info("teams upserted", metadata: ["teams": "\(teams.count)"])
        }
        guard !games.isEmpty else { return [] }
        let plan = try await write(ids: games.map(\.id)) { existing in
            let plan = try GamePlanner.upsert(games, existing: existing)
            return (plan.writes, plan)
        }
        metrics.recordedUpsert(created: plan.created, updated: plan.updated, unchanged: plan.unchanged)
        logger.info(
            "games upserted",
            metadata: ["created": "\(plan.created)", "updated": "\(plan.updated)", "unchanged": "\(plan.unchanged)"]
        )
        return plan.games
    }

    /// Changes the status of one game (a no-op when it already has that status).
    /// - Throws: INVALID_ARGUMENT for a malformed id or status, NOT_FOUND for an unknown game,
    ///   FAILED_PRECONDITION for a change the state machine refuses.
    public func updateStatus(gameID: String, to status: GameStatus) async throws -> Game {
        try GameValidation.validate(gameID: gameID, field: "game_id")
        try GameValidation.validate(status: status, field: "status")
        let (game, write) = try await write(ids: [gameID]) { existing in
            let planned = try GamePlanner.changeStatus(gameID: gameID, to: status, existing: existing[gameID])
            return (planned.write.map { [$0] } ?? [], planned)
        }
        if let before = write?.before {
            logger.info(
                "game status changed",
                metadata: ["game": "\(gameID)", "from": "\(before.status.name)", "to": "\(status.name)", "revision": "\(game.revision)"]
            )
        }
        return game
    }

    /// Creates the seed games that do not exist yet; existing games are left as they are (so a
    /// restart never undoes what feeds and operators changed).
    /// - Returns: how many games were created.
    /// - Throws: INVALID_ARGUMENT naming a malformed seed game.
    @discardableResult
    public func seed(_ games: [Game]) async throws -> Int {
        try GameValidation.validate(batch: games, teamIDs: teamDirectory.ids, maximumCount: .max)
        let games = try GameLeagues.assign(games, teamLeagues: teamDirectory.leagues)
        guard !games.isEmpty else { return 0 }
        let created = try await write(ids: games.map(\.id)) { existing in
            let writes = GamePlanner.seed(games, existing: existing)
            return (writes, writes.count)
        }
        logger.info("seed games loaded", metadata: ["created": "\(created)", "already_present": "\(games.count - created)"])
        return created
    }

    /// Runs one write (plan and store in one transaction), records it and wakes the change
    /// feed, which hands the change to the watchers.
    private func write<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [GameWrite], result: Result)
    ) async throws -> Result {
        let (writes, result) = try await store.modify(ids: ids) { existing in
            let planned = try plan(existing)
            return (planned.writes.map(\.after), (planned.writes, planned.result))
        }
        if !writes.isEmpty {
            metrics.recorded(writes)
            feed.wake()
        }
        return result
    }

    // MARK: Watching

    /// Streams every change committed after the call started (by any process sharing the
    /// store, in commit order) of the watched games (all when `request.gameIds` is empty; only
    /// those of `request.leagueIds` when it names leagues) to
    /// `send`; first, if `request.sendInitial`, every watched game once (`initial: true`), and a
    /// change already in that listing is not sent again.
    ///
    /// Returns only by throwing: RESOURCE_EXHAUSTED when the watcher falls behind, UNAVAILABLE
    /// when the service shuts down, or the error of `send` (the client went away).
    /// - Throws: INVALID_ARGUMENT for malformed ids, NOT_FOUND for an unknown league.
    public func watch(_ request: WatchGamesRequest, send: (GameChange) async throws -> Void) async throws {
        try FieldCheck.count(request.gameIds.count, field: "game_ids", maximum: limits.maximumWatchedGames)
        for (index, id) in request.gameIds.enumerated() {
            try GameValidation.validate(gameID: id, field: "game_ids[\(index)]")
        }
        let ids = Set(request.gameIds)
        let leagues = try LeagueFilter.validate(request.leagueIds)
        func deliver(_ change: GameChange) async throws {
            guard let game = change.game, LeagueFilter.matches(game, leagues) else { return }
            try await send(change)
        }
        // The watch covers every change committed after `start`. The feed only hands the hub
        // what it publishes after `subscribe`, so the changes committed after `start` and
        // published before that are read from the log; from the hub, only what comes after.
        let start = try await store.latestChangeSequence()
        let changes = try hub.subscribe(gameIDs: ids)
        let (missed, readThrough) = try await loggedChanges(after: start, of: ids)
        let initial = request.sendInitial ? try await currentGames(ids) : []
        metrics.watcherStarted()
        defer { metrics.watcherFinished() }
        // A change committed before the listing was read is in it: its revision says so.
        var listed: [String: UInt64] = [:]
        for game in initial {
            listed[game.id] = game.revision
            try await deliver(GameChange(game: game, initial: true))
        }
        func isNew(_ change: LoggedChange) -> Bool {
            guard let revision = listed[change.game.id] else { return true }
            return change.game.revision > revision
        }
        for change in missed where isNew(change) {
            try await deliver(GameChange(game: change.game, initial: false))
        }
        for try await change in changes where change.sequence > readThrough && isNew(change) {
            try await deliver(GameChange(game: change.game, initial: false))
        }
        // The stream only finishes normally when the watch is cancelled.
        throw CancellationError()
    }

    /// Ends every watcher with UNAVAILABLE and refuses new ones (when the server drains).
    public func closeWatchers() {
        let count = hub.watcherCount
        hub.close(with: RPCError(.unavailable, "the schedule service is shutting down; watch again to continue"))
        if count > 0 {
            metrics.watcherEnded(reason: "shutdown", count: count)
            logger.info("watchers ended for shutdown", metadata: ["watchers": "\(count)"])
        }
    }

    /// The logged changes of the watched games after `sequence`, and the sequence number read
    /// through.
    /// - Throws: UNAVAILABLE if the log no longer has them (it never happens in practice: the
    ///   log keeps far more changes than can be written in the time of one query).
    private func loggedChanges(after sequence: Int64, of ids: Set<String>) async throws -> ([LoggedChange], Int64) {
        var changes: [LoggedChange] = []
        var after = sequence
        while true {
            let page = try await store.changes(after: after, limit: ChangeFeed.pageSize)
            if page.prunedThrough > after {
                throw RPCError(.unavailable, "the schedule lost track of changes; watch again with send_initial to catch up")
            }
            changes += ids.isEmpty ? page.changes : page.changes.filter { ids.contains($0.game.id) }
            after = page.changes.last?.sequence ?? after
            if page.changes.count < ChangeFeed.pageSize { return (changes, after) }
        }
    }

    private func currentGames(_ ids: Set<String>) async throws -> [Game] {
        if !ids.isEmpty {
            return try await store.games(ids: Array(ids))
        }
        var games: [Game] = []
        var after: GameKey?
        while true {
            let page = try await store.games(matching: .all, after: after, limit: limits.maximumPageSize)
            games += page
            guard page.count == limits.maximumPageSize, let last = page.last else { return games }
            after = GameKey(last)
        }
    }
}
