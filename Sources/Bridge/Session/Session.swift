import CourtsideProto
import EventRelay
import NIOCore

/// One browser connection's protocol state (WebSocket or SSE), bound to its event loop: what it
/// follows, the position it has of each game, its message rate, the games it is behind on when
/// slow, and its timers. Client messages are carried out in order; a `subscribe` that needs a
/// network lookup is prepared off the loop and carried out back on it, with later messages
/// waiting behind it.
final class Session {
    /// Work waiting behind a subscribe in progress.
    enum Work {
        case message(ClientMessage)
        case error(ClientMessageError, retryAfterMs: Int?)
    }

    let id: UInt64
    let hub: FanoutHub
    /// The connection's handler owns the session and outlives it (`closed()` runs before the
    /// handler goes away), so no reference counting on the hot path.
    unowned(unsafe) let transport: any SessionTransport
    let isSSE: Bool
    /// The same for every connection, so read from the hub rather than copied into each.
    var limits: SessionLimits { hub.sessionLimits }

    var followed = FollowedSet()
    /// The position of every game delivered on this connection (the SSE cursor).
    var positions = PositionTable()
    var collapse: CollapseSet<BridgeItem>
    var rate: RateLimiter
    var busy = false
    var waiting: [Work] = []
    /// What the connection token allows (nil: none given, only public games).
    var grant: ConnectionGrant?
    /// When the token expires; nil without a token.
    var tokenLifetime: TokenLifetime?
    private(set) var isClosed = false

    /// Hub bookkeeping: the last item offered (dedupe across indexes) and a pending flush.
    var stamp: UInt64 = 0
    var needsFlush = false
    private var unflushed = 0
    var lastSentNanos: UInt64
    var lastPingNanos: UInt64
    var lastReceivedNanos: UInt64
    var unwritableSinceNanos: UInt64?

    init(id: UInt64, hub: FanoutHub, transport: any SessionTransport, isSSE: Bool) {
        let limits = hub.sessionLimits
        let now = Clock.nanos()
        self.id = id
        self.hub = hub
        self.transport = transport
        self.isSSE = isSSE
        self.collapse = CollapseSet(maximumGames: limits.maxCollapsedGames)
        self.rate = RateLimiter(policy: hub.ratePolicy, nowNanos: now)
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

    // MARK: Writing

    /// Writes a message (not flushed); snapshots and events move the game's position. Live
    /// events wait for a writable socket (they collapse meanwhile), but replies and catch-up are
    /// written at once: a connection whose unwritten bytes pass `maxQueuedBytes` is too slow.
    func send(_ message: OutboundMessage, game: String? = nil, position: GamePosition? = nil) {
        guard !isClosed else { return }
        if !transport.isWritable, transport.queuedBytes > limits.maxQueuedBytes {
            close(code: WebSocketMessageAssembler.CloseCode.tooSlow, reason: "too slow")
            return
        }
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

    /// Flushes what was written since the last flush.
    func flush() {
        guard needsFlush else { return }
        needsFlush = false
        unflushed = 0
        transport.flush()
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
        if tokenLifetime != nil, checkTokenLifetime() { return }
        // A socket that takes nothing gets nothing more: it is closed as too slow (above).
        guard transport.isWritable else { return }
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
    /// SSE: the positions of `resume` / `Last-Event-ID` are part of the stream's cursor from
    /// the start.
    func seedPositions(_ resume: [String: GamePosition]) {
        positions.addMissing(resume)
    }
}
