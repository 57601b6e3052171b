import CourtsideProto
import EventRelay
import NIOCore

/// One browser connection's protocol state (WebSocket or SSE), bound to its event loop: what it
/// follows, the position it has of each game, its message rate, the games it is behind on when
/// slow, and its timers. Client messages are carried out in order; a `subscribe` that needs a
/// network lookup is prepared off the loop and carried out back on it, with later messages
/// waiting behind it.
public final class Session {
    /// Work waiting behind a subscribe in progress.
    private enum Work {
        case message(ClientMessage)
        case error(ClientMessageError, retryAfterMs: Int?)
    }

    let id: UInt64
    let hub: FanoutHub
    /// The connection's handler owns the session and outlives it (`closed()` runs before the
    /// handler goes away), so no reference counting on the hot path.
    unowned(unsafe) let transport: any SessionTransport
    let isSSE: Bool
    private let configuration: BridgeConfiguration

    private(set) var followed = FollowedSet()
    /// The position of every game delivered on this connection (the SSE cursor).
    private(set) var positions = PositionTable()
    private var collapse: CollapseSet<BridgeItem>
    private var rate: RateLimiter
    private var busy = false
    private var waiting: [Work] = []
    private(set) var isClosed = false

    /// Hub bookkeeping: the last item offered (dedupe across indexes) and a pending flush.
    var stamp: UInt64 = 0
    var needsFlush = false
    private var unflushed = 0
    var lastSentNanos: UInt64
    var lastPingNanos: UInt64
    var lastReceivedNanos: UInt64
    private var unwritableSinceNanos: UInt64?

    init(id: UInt64, hub: FanoutHub, transport: any SessionTransport, isSSE: Bool, configuration: BridgeConfiguration) {
        let now = Clock.nanos()
        self.id = id
        self.hub = hub
        self.transport = transport
        self.isSSE = isSSE
        self.configuration = configuration
        self.collapse = CollapseSet(maximumGames: configuration.maxCollapsedGames)
        self.rate = RateLimiter(perSecond: configuration.maxMessagesPerSecond, burst: configuration.messageBurst, nowNanos: now)
        self.lastSentNanos = now
        self.lastPingNanos = now
        self.lastReceivedNanos = now
    }

    // MARK: Lifecycle

    /// Registers with the hub and sends `hello`.
    func start() {
        hub.register(self)
        send(hub.hello)
        flush()
    }

    /// The connection ended: stop delivering.
    func closed() {
        guard !isClosed else { return }
        isClosed = true
        hub.unregister(self)
        collapse = CollapseSet(maximumGames: 0)
        waiting.removeAll()
    }

    /// Closes the connection with a code (WebSocket) or ends the stream (SSE).
    func close(code: UInt16, reason: String) {
        guard !isClosed else { return }
        if code == WebSocketMessageAssembler.CloseCode.tooSlow { hub.counters.slowCloses += 1 }
        transport.close(code: code, reason: reason)
        closed()
    }

    /// Shutdown: `goaway` with a spread-out delay, then close 1001.
    func goAway(retryAfterMs: Int) {
        guard !isClosed else { return }
        let json = ServerMessages.goaway(retryAfterMs: retryAfterMs, reason: "shutdown")
        transport.goAway(OutboundMessage(type: "goaway", json: json), retryAfterMs: retryAfterMs)
        hub.counters.messagesOut += 1
        closed()
    }

    // MARK: Client messages

    /// Any frame arrived (for the idle timeout).
    func touch() {
        lastReceivedNanos = Clock.nanos()
    }

    /// A complete text message from the client.
    func receive(_ text: ByteBuffer) {
        guard !isClosed else { return }
        hub.counters.messagesIn += 1
        let decoded = ClientMessageDecoder.decode(Array(text.readableBytesView))
        let decision = rate.take(nowNanos: Clock.nanos())
        if decision == .exceeded {
            hub.counters.rejected[.rateLimited, default: 0] += 1
            close(code: WebSocketMessageAssembler.CloseCode.policyViolation, reason: "rate limit exceeded")
            return
        }
        switch decoded {
        case .failure(let error):
            enqueue(.error(error, retryAfterMs: nil))
        case .success(let message):
            if case .refused(let retryAfterMs) = decision {
                let error = ClientMessageError(
                    code: .rateLimited, message: "more than \(configuration.maxMessagesPerSecond) messages per second", ref: message.id
                )
                enqueue(.error(error, retryAfterMs: retryAfterMs))
            } else {
                enqueue(.message(message))
            }
        }
    }

    /// The followed set of an SSE request, carried out like a WebSocket subscribe (errors carry
    /// no `ref`, the reply no `id`).
    func subscribeFromURL(_ message: ClientMessage.Subscribe) {
        enqueue(.message(.subscribe(message)))
    }

    private func enqueue(_ work: Work) {
        if busy {
            guard waiting.count < 4 * configuration.messageBurst else {
                close(code: WebSocketMessageAssembler.CloseCode.policyViolation, reason: "rate limit exceeded")
                return
            }
            waiting.append(work)
            return
        }
        perform(work)
        flush()
    }

    private func perform(_ work: Work) {
        switch work {
        case .error(let error, let retryAfterMs):
            sendError(error.code, error.message, ref: error.ref, retryAfterMs: retryAfterMs)
        case .message(.ping(let id)):
            send(OutboundMessage(type: "pong", json: ServerMessages.pong(id: id, nowMs: Clock.wallMs())))
        case .message(.unsubscribe(let message)):
            let before = followed
            followed.unsubscribe(games: message.games, teams: message.teams, allLive: message.allLive)
            hub.followedChanged(self, from: before, to: followed)
            forgetUnfollowed()
            send(followedReply("unsubscribed", id: message.id))
        case .message(.subscribe(let message)):
            guard followed.allows(adding: message.games, teams: message.teams, maxGames: configuration.maxGames, maxTeams: configuration.maxTeams),
                message.resume.count <= configuration.maxGames
            else {
                sendError(
                    .tooManySubscriptions,
                    "a connection follows at most \(configuration.maxGames) games by id and \(configuration.maxTeams) teams",
                    ref: message.id
                )
                return
            }
            busy = true
            let directory = hub.directory
            let bound = NIOLoopBound(self, eventLoop: hub.eventLoop)
            let eventLoop = hub.eventLoop
            let today = Clock.today()
            Task {
                let prepared = await directory.prepare(message, today: today)
                eventLoop.execute {
                    bound.value.finishSubscribe(message, prepared: prepared, today: today)
                }
            }
        }
    }

    /// Carries out a prepared subscribe (§4.2, §5), then the messages that waited behind it.
    private func finishSubscribe(_ message: ClientMessage.Subscribe, prepared: SubscribePreparation, today: String) {
        busy = false
        guard !isClosed else { return }
        defer {
            flush()
            resumeWaiting()
        }
        if let unavailable = prepared.unavailable {
            sendError(.unavailable, unavailable, ref: message.id, retryAfterMs: 1000)
            return
        }
        let directory = hub.directory
        let before = followed
        let unknownGames = Set(prepared.unknownGames)
        let unknownTeams = Set(prepared.unknownTeams)
        if !unknownGames.isEmpty {
            sendError(.unknownGame, "no such game: \(prepared.unknownGames.joined(separator: ", "))", ref: message.id, games: prepared.unknownGames)
        }
        if !unknownTeams.isEmpty {
            sendError(.unknownTeam, "no such team: \(prepared.unknownTeams.joined(separator: ", "))", ref: message.id, teams: prepared.unknownTeams)
        }
        let added = followed.subscribe(
            games: message.games.filter { !unknownGames.contains($0) },
            teams: message.teams.filter { !unknownTeams.contains($0) },
            allLive: message.allLive
        )
        hub.followedChanged(self, from: before, to: followed)
        send(followedReply("subscribed", id: message.id))

        // Games that become followed now get an initial snapshot; resumed games catch up.
        func wasFollowed(_ gameId: String) -> Bool {
            let teams = directory.teams(of: gameId)
            let status = directory.relay.head(gameId)?.state.status ?? directory.schedule.game(gameId)?.status ?? .scheduled
            return before.follows(gameId: gameId, home: teams?.home ?? "", away: teams?.away ?? "", status: status, previousStatus: nil)
        }
        var initial = Set<String>()
        for gameId in added.games where !wasFollowed(gameId) { initial.insert(gameId) }
        for team in added.teams {
            for gameId in prepared.teamGames[team] ?? [] where !wasFollowed(gameId) { initial.insert(gameId) }
        }
        if added.allLive {
            for gameId in prepared.liveGames where !wasFollowed(gameId) { initial.insert(gameId) }
        }
        for gameId in initial.union(message.resume.keys).sorted() {
            catchUp(gameId, from: message.resume[gameId], history: prepared.history[gameId])
        }
    }

    /// Brings one game up to the relay's head: a snapshot (initial or reset) or the events after
    /// the client's position. Later items of the game continue from that head.
    private func catchUp(_ gameId: String, from cursor: GamePosition?, history: (after: GamePosition, events: [Event]?)?) {
        let relay = hub.directory.relay
        guard let head = relay.head(gameId) else { return }
        let headPosition = GamePosition(epoch: head.epoch, seq: head.lastSeq)
        collapse.remove(gameId: gameId)
        switch CatchUpPlan.plan(cursor: cursor.map { Position(epoch: $0.epoch, seq: $0.seq) }, head: head.position) {
        case .nothing:
            break
        case .snapshot(let reason):
            sendSnapshot(head, reason: reason == .initial ? .initial : .reset)
        case .events(let afterSeq):
            var events: [Event] = []
            var next = afterSeq
            if let history, history.after.epoch == head.epoch, history.after.seq == afterSeq, let fetched = history.events {
                events = fetched.filter { ($0.position?.seq ?? 0) <= head.lastSeq }
                next = events.last?.position?.seq ?? afterSeq
            }
            if next < head.lastSeq {
                guard let recent = relay.recentEvents(gameId: gameId, epoch: head.epoch, afterSeq: next, upTo: head.lastSeq) else {
                    sendSnapshot(head, reason: .reset)
                    return
                }
                events += recent
            }
            guard Self.isContiguous(events, after: afterSeq, upTo: head.lastSeq) else {
                sendSnapshot(head, reason: .reset)
                break
            }
            for event in events {
                send(OutboundMessage(type: "event", json: ServerMessages.event(event), carriesCursor: true), game: gameId,
                    position: GamePosition(epoch: head.epoch, seq: event.position?.seq ?? 0))
            }
        }
        positions[gameId] = headPosition
    }

    static func isContiguous(_ events: [Event], after: UInt64, upTo: UInt64) -> Bool {
        var expected = after + 1
        for event in events {
            guard event.position?.seq == expected else { return false }
            expected += 1
        }
        return expected == upTo + 1
    }

    private func sendSnapshot(_ head: GameRelay<BridgeItem>.Head, reason: ServerMessages.SnapshotReason) {
        let position = GamePosition(epoch: head.epoch, seq: head.lastSeq)
        let json = ServerMessages.snapshot(
            game: head.gameId, position: position, reason: reason, home: head.homeTeamId, away: head.awayTeamId, state: head.state,
            updatedAtMs: head.updatedAtMs
        )
        send(OutboundMessage(type: "snapshot", json: json, carriesCursor: true), game: head.gameId, position: position)
    }

    private func resumeWaiting() {
        while !busy, !isClosed, !waiting.isEmpty {
            perform(waiting.removeFirst())
        }
        flush()
    }

    private func followedReply(_ type: StaticString, id: String?) -> OutboundMessage {
        let json = ServerMessages.followed(type, games: followed.games, teams: followed.teams, allLive: followed.allLive, id: isSSE ? nil : id)
        return OutboundMessage(type: type, json: json)
    }

    /// Drops positions of games that are no longer followed (a later subscribe starts them over
    /// with a snapshot). SSE keeps them: they are the stream's cursor.
    private func forgetUnfollowed() {
        guard !isSSE else { return }
        let directory = hub.directory
        for gameId in positions.gameIds {
            let teams = directory.teams(of: gameId)
            let live = directory.isLive(gameId)
            if !followed.follows(gameId: gameId, home: teams?.home ?? "", away: teams?.away ?? "", status: live ? .live : .final, previousStatus: nil) {
                positions[gameId] = nil
                collapse.remove(gameId: gameId)
            }
        }
    }

    private func sendError(_ code: ErrorCode, _ message: String, ref: String?, games: [String]? = nil, teams: [String]? = nil, retryAfterMs: Int? = nil) {
        hub.counters.rejected[code, default: 0] += 1
        let json = ServerMessages.error(code, message: message, ref: isSSE ? nil : ref, games: games, teams: teams, retryAfterMs: retryAfterMs)
        send(OutboundMessage(type: "error", json: json))
    }

    // MARK: Writing

    private func send(_ message: OutboundMessage, game: String? = nil, position: GamePosition? = nil) {
        if let game, let position { positions[game] = position }
        let cursor = transport.wantsCursor && message.carriesCursor ? SSECursor.format(positions.dictionary) : nil
        hub.counters.bytesOut += transport.write(message, cursor: cursor)
        hub.counters.messagesOut += 1
        lastSentNanos = hub.now
        needsFlush = true
        // NIO keeps the capacity of a channel's queue of pending writes: flushing every few
        // messages of a long catch-up keeps it (and the connection's memory) small.
        unflushed += 1
        if unflushed >= 8 { flush() }
    }

    func flush() {
        guard needsFlush else { return }
        needsFlush = false
        unflushed = 0
        transport.flush()
    }

    // MARK: Live delivery (called by the hub, on the loop)

    /// Offers a relayed item of a followed game. Returns whether something was written.
    @discardableResult
    func deliver(_ item: BridgeItem) -> Bool {
        guard !isClosed else { return false }
        if !collapse.isEmpty, transport.isWritable { drainCollapsed() }
        let gameId = item.gameId
        let known = positions[gameId]
        if let known, known.epoch == item.position.epoch, item.position.seq <= known.seq { return false }
        if !transport.isWritable {
            if collapse.record(gameId: gameId, item: item) { return false }
            close(code: WebSocketMessageAssembler.CloseCode.tooSlow, reason: "too slow")
            return false
        }
        if let known, !item.isSnapshot, known.epoch == item.position.epoch, item.position.seq == known.seq + 1, !isSSE {
            // The hot path: the shared frame as it is.
            positions[gameId] = item.position
            hub.counters.bytesOut &+= transport.writeFrame(item.frame)
            hub.counters.messagesOut &+= 1
            hub.counters.deliveries &+= 1
            needsFlush = true
            return true
        }
        let message: OutboundMessage
        if let known, !item.isSnapshot, known.epoch == item.position.epoch, item.position.seq == known.seq + 1 {
            message = OutboundMessage(type: "event", json: item.json, frame: item.frame, sseData: item.sseData, carriesCursor: true)
            hub.counters.deliveries += 1
        } else if item.isSnapshot, known != nil {
            message = OutboundMessage(type: "snapshot", json: item.json, frame: item.frame, sseData: item.sseData, carriesCursor: true)
        } else {
            // A game that becomes followed through this item, or a jump in its log: a snapshot at it.
            message = OutboundMessage(type: "snapshot", json: item.snapshotJSON(reason: known == nil ? .initial : .reset), carriesCursor: true)
        }
        send(message, game: gameId, position: item.position)
        return true
    }

    /// The socket's writability changed: when writable again, each game it fell behind on gets
    /// one `collapsed` snapshot of the newest state.
    func writabilityChanged(isWritable: Bool) {
        guard !isClosed else { return }
        if !isWritable {
            if unwritableSinceNanos == nil { unwritableSinceNanos = hub.now }
            return
        }
        unwritableSinceNanos = nil
        guard !collapse.isEmpty else { return }
        drainCollapsed()
        flush()
    }

    fileprivate func sendCollapsed(_ json: ByteBuffer, game: String, position: GamePosition) {
        collapse.remove(gameId: game)
        send(OutboundMessage(type: "snapshot", json: json, carriesCursor: true), game: game, position: position)
        hub.counters.collapsed += 1
    }

    private func drainCollapsed() {
        for (gameId, item) in collapse.drain() {
            if let known = positions[gameId], known == item.position { continue }
            send(OutboundMessage(type: "snapshot", json: item.snapshotJSON(reason: .collapsed), carriesCursor: true), game: gameId, position: item.position)
            hub.counters.collapsed += 1
        }
    }

    /// Timers, checked by the hub's tick: heartbeat and ping, idle timeout, slow consumer.
    func tick(now: UInt64, heartbeat: OutboundMessage, heartbeatNanos: UInt64, idleNanos: UInt64, slowNanos: UInt64, slack: UInt64) {
        guard !isClosed else { return }
        if let since = unwritableSinceNanos, now &- since >= slowNanos {
            close(code: WebSocketMessageAssembler.CloseCode.tooSlow, reason: "too slow")
            return
        }
        if !isSSE, now &- lastReceivedNanos >= idleNanos {
            close(code: WebSocketMessageAssembler.CloseCode.idleTimeout, reason: "idle timeout")
            return
        }
        if now &- lastSentNanos + slack >= heartbeatNanos {
            send(heartbeat)
        }
        if !isSSE, now &- lastPingNanos + slack >= heartbeatNanos {
            lastPingNanos = now
            transport.ping()
            needsFlush = true
        }
        flush()
    }
}

@available(*, unavailable)
extension Session: Sendable {}

extension Session {
    /// After the hub lost items (it fell behind the relay): every game this connection has a
    /// position for jumps to the relay's head with a `collapsed` snapshot.
    func resynchronise(relay: GameRelay<BridgeItem>) {
        guard !isClosed else { return }
        for (gameId, known) in positions.dictionary.sorted(by: { $0.key < $1.key }) {
            guard let head = relay.head(gameId), GamePosition(epoch: head.epoch, seq: head.lastSeq) != known else { continue }
            let position = GamePosition(epoch: head.epoch, seq: head.lastSeq)
            let json = ServerMessages.snapshot(
                game: gameId, position: position, reason: .collapsed, home: head.homeTeamId, away: head.awayTeamId, state: head.state,
                updatedAtMs: head.updatedAtMs
            )
            sendCollapsed(json, game: gameId, position: position)
        }
        flush()
    }
}

extension Session {
    /// SSE: the positions of `resume` / `Last-Event-ID` are part of the stream's cursor from
    /// the start.
    func seedPositions(_ resume: [String: GamePosition]) {
        positions.addMissing(resume)
    }
}
