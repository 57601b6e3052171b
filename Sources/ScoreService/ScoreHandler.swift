import Auth
import CourtsideDomain
public import CourtsideProto
public import CourtsideRPC
import EventRelay
public import GRPC
import Logging
import Prometheus

/// `courtside.v1.ScoreService` over the engine.
public final class ScoreHandler: ScoreServiceHandler {
    /// Trailer carrying a `ResumeCursors` when a stream ends because its subscriber fell behind.
    public static let resumeTrailer = SlowSubscriber.resumeTrailer

    private let engine: ScoreEngine
    private let directory: any GameDirectory
    private let metrics: ScoreMetrics?

    public init(engine: ScoreEngine, directory: any GameDirectory, metrics: ScoreMetrics?) {
        self.engine = engine
        self.directory = directory
        self.metrics = metrics
    }

    public func publishEvents(request: PublishEventsRequest, context: ServerContext) async throws -> PublishEventsResponse {
        AuditNote.games(request.events.lazy.map(\.gameId))
        let results = try await engine.publish(request.events)
        metrics?.duplicates.increment(by: Double(results.filter(\.duplicate).count))
        return PublishEventsResponse(results: results)
    }

    public func publishEventStream(requests: RPCRequestStream<PublishEventsRequest>, context: ServerContext) async throws
        -> PublishEventsResponse
    {
        var results: [PublishResult] = []
        var batch = 0
        for try await request in requests {
            do {
                // The response holds a result for every event of the stream: its size is bounded too.
                guard results.count + request.events.count <= RequestLimits.eventsPerStream else {
                    throw RPCError(
                        .invalidArgument,
                        "events: a stream carries at most \(RequestLimits.eventsPerStream) events in all; publish the rest on a new stream"
                    )
                }
                AuditNote.games(request.events.lazy.map(\.gameId))
                results += try await engine.publish(request.events)
            } catch let error as RPCError {
                let stored = batch == 0 ? "nothing was stored" : "batches 0–\(batch - 1) were stored"
                throw RPCError(error.code, "batch \(batch): \(error.message) (\(stored))", metadata: error.metadata)
            }
            batch += 1
        }
        metrics?.duplicates.increment(by: Double(results.filter(\.duplicate).count))
        return PublishEventsResponse(results: results)
    }

    public func getSnapshots(request: GetSnapshotsRequest, context: ServerContext) async throws -> GetSnapshotsResponse {
        if request.gameIds.isEmpty {
            let live = engine.heads(nil).filter { $0.state.status.isLive }
            return GetSnapshotsResponse(snapshots: live.sorted { $0.gameId < $1.gameId }.map(Self.snapshot))
        }
        try FieldCheck.count(request.gameIds.count, field: "game_ids", maximum: RequestLimits.gameIDsPerRequest)
        for (index, gameId) in request.gameIds.enumerated() {
            try FieldCheck.gameID(gameId, field: "game_ids[\(index)]")
        }
        for (index, gameId) in request.gameIds.enumerated() {
            try await engine.requireKnown(gameId, prefix: "game_ids[\(index)]: ")
        }
        var snapshots: [Snapshot] = []
        for gameId in request.gameIds {
            // A game the schedule knows but without events gets its log now, so that its
            // snapshot carries the real epoch (seq 0) and its first event continues from it.
            try await engine.prepareGame(gameId)
            guard let head = engine.head(gameId) else {
                throw ScoreEngine.unknownGame(gameId)
            }
            snapshots.append(Self.snapshot(head))
        }
        return GetSnapshotsResponse(snapshots: snapshots)
    }

    public func streamEvents(request: StreamEventsRequest, response: RPCWriter<StreamItem>, context: ServerContext) async throws {
        try FieldCheck.count(request.games.count, field: "games", maximum: RequestLimits.cursorsPerRequest)
        var cursors: [String: Position?] = [:]
        for (index, cursor) in request.games.enumerated() {
            try FieldCheck.gameID(cursor.gameId, field: "games[\(index)].game_id")
            if let after = cursor.after { try FieldCheck.position(after, field: "games[\(index)].after") }
            guard cursors[cursor.gameId] == nil else {
                throw RPCError(.invalidArgument, "games[\(index)]: game '\(cursor.gameId)' is listed twice")
            }
            cursors[cursor.gameId] = .some(cursor.after)
        }
        guard request.allGames || !cursors.isEmpty else {
            throw RPCError(.invalidArgument, "name at least one game, or set all_games")
        }
        if !request.allGames {
            // All games must exist before any of them gets a log. (With all_games, a cursor of a
            // game without a log only supplies a position: the game starts with its next event.)
            for (index, cursor) in request.games.enumerated() {
                try await engine.requireKnown(cursor.gameId, prefix: "games[\(index)]: ")
            }
            for cursor in request.games { try await engine.prepareGame(cursor.gameId) }
        }

        let (subscription, heads) = engine.subscribe(request.allGames ? nil : Set(cursors.keys))
        defer { engine.unsubscribe(subscription) }
        // With all_games, a game named without a position gets no initial snapshot: it is
        // followed from its next event, as every game is.
        let catchingUp = cursors.sorted { $0.key < $1.key }
            .filter { !request.allGames || $0.value != nil }
            .map { ResumableStream<Event>.CatchUp(gameId: $0.key, cursor: $0.value) }
        let stream = ResumableStream(subscription: subscription, registeredHeads: heads.mapValues(\.position), service: "score")
        try await stream.run(
            catchingUp: catchingUp,
            head: { gameId in heads[gameId].map { CatchUpHead(snapshot: Self.snapshot($0), firstKeptSeq: $0.firstKeptSeq) } },
            history: engine,
            writer: response,
            observer: metrics
        )
    }

    public func listEvents(request: ListEventsRequest, context: ServerContext) async throws -> ListEventsResponse {
        guard !request.gameId.isEmpty else { throw RPCError(.invalidArgument, "game_id is required") }
        try FieldCheck.gameID(request.gameId, field: "game_id")
        let pageSize = request.pageSize == 0 ? 100 : Int(request.pageSize)
        guard pageSize <= 1000 else { throw RPCError(.invalidArgument, "page_size must be at most 1000, got \(request.pageSize)") }
        try FieldCheck.positionValue(request.beforeSeq, field: "before_seq")
        try FieldCheck.positionValue(request.afterSeq, field: "after_seq")
        try FieldCheck.text(request.pageToken, field: "page_token", maximumBytes: RequestLimits.pageTokenBytes)
        guard let head = engine.head(request.gameId) else {
            guard try await directory.game(id: request.gameId) != nil else {
                throw ScoreEngine.unknownGame(request.gameId)
            }
            return ListEventsResponse()
        }
        var bound: UInt64?
        if !request.pageToken.isEmpty {
            // The token's scope is the log's epoch, its number the last seq of the page before.
            guard let token = PageToken(decoding: request.pageToken), token.scope == head.epoch, token.text.isEmpty,
                token.number <= RequestLimits.maximumPositionValue
            else {
                throw RPCError(
                    .invalidArgument,
                    "page_token is not valid for game '\(request.gameId)' (malformed, or the game's log was reset)"
                )
            }
            bound = token.number
        }
        // Bounds are filters: beyond the log they select everything (before) or nothing (after).
        let events: [Event]
        if request.newestFirst {
            let before = bound ?? (request.beforeSeq == 0 ? head.lastSeq + 1 : request.beforeSeq)
            events = try await engine.historyDescending(gameId: request.gameId, epoch: head.epoch, beforeSeq: before, limit: pageSize)
        } else {
            let after = bound ?? request.afterSeq
            events =
                after >= head.lastSeq
                ? []
                : try await engine.history(gameId: request.gameId, epoch: head.epoch, afterSeq: after, upTo: head.lastSeq, limit: pageSize)
        }
        var next = ""
        if events.count == pageSize, let last = events.last?.position?.seq {
            let more = request.newestFirst ? last > head.firstKeptSeq : last < head.lastSeq
            if more { next = PageToken(scope: head.epoch, number: last).encoded }
        }
        return ListEventsResponse(events: events, nextPageToken: next, epoch: head.epoch)
    }

    static func snapshot(_ head: StoredGame) -> Snapshot {
        Snapshot(
            gameId: head.gameId,
            position: Position(epoch: head.epoch, seq: head.lastSeq),
            state: head.state,
            homeTeamId: head.homeTeamId,
            awayTeamId: head.awayTeamId,
            updatedAtMs: head.updatedAtMs
        )
    }
}
