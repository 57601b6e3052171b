public import Logging
public import NIOCore

/// What an HTTP/2 connection tells the protocol above it (gRPC). Every method is called on the
/// connection's event loop. Methods that report received frames run while nghttp2 parses input:
/// they may call `submit…`, `enqueue`, `finish`, `reset` and `consume`, and the bytes go out
/// once the input is processed.
public protocol HTTP2ConnectionDelegate: AnyObject {
    /// `headers` is valid only during the call (see `HTTP2ReceivedHeaders`).
    func connection(_ connection: HTTP2Connection, didReceiveHeaders headers: HTTP2ReceivedHeaders, streamID: Int32, endStream: Bool)
    func connection(_ connection: HTTP2Connection, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32)
    func connection(_ connection: HTTP2Connection, didReceiveEndStream streamID: Int32)
    func connection(_ connection: HTTP2Connection, didCloseStream streamID: Int32, errorCode: HTTP2ErrorCode)
    /// The stream's outbound queue fell to the low-water mark after a `notifyWhenDrained`.
    func connection(_ connection: HTTP2Connection, didDrainStream streamID: Int32)
    /// A batch of input was processed: a good moment to start work it made ready.
    func connectionDidProcessInput(_ connection: HTTP2Connection)
    func connection(_ connection: HTTP2Connection, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode)
    /// The connection is being closed because the peer broke `limit` (for metrics).
    func connection(_ connection: HTTP2Connection, didEnforce limit: HTTP2Limit)
    func connectionDidClose(_ connection: HTTP2Connection)
}

extension HTTP2ConnectionDelegate {
    public func connection(_ connection: HTTP2Connection, didEnforce limit: HTTP2Limit) {}
}

/// Why a connection was closed on the peer's account. The raw values are metric labels.
public enum HTTP2Limit: String, Sendable, CaseIterable {
    /// No HTTP/2 preface and SETTINGS within `HTTP2Settings.prefaceTimeout`.
    case prefaceTimeout = "preface_timeout"
    /// A keepalive PING was not acknowledged in time.
    case keepaliveTimeout = "keepalive_timeout"
    /// No open stream for `HTTP2Settings.idleTimeout` (closed with GOAWAY NO_ERROR).
    case idleTimeout = "idle_timeout"
    /// More response bytes queued than `HTTP2Settings.maxQueuedOutboundBytes`.
    case queuedOutboundBytes = "write_queue"
    /// More PING/SETTINGS acknowledgements queued than `HTTP2Settings.maxQueuedControlFrames`.
    case controlFrameFlood = "control_frame_flood"
    /// Refused on arrival: the process or the client's address has too many connections.
    case tooManyConnections = "too_many_connections"

    /// The GOAWAY error code the peer gets.
    public var errorCode: HTTP2ErrorCode {
        switch self {
        case .idleTimeout, .keepaliveTimeout: .noError
        case .prefaceTimeout: .protocolError
        case .queuedOutboundBytes, .controlFrameFlood, .tooManyConnections: .enhanceYourCalm
        }
    }
}

/// One HTTP/2 connection (h2c with prior knowledge) driven by nghttp2 over a SwiftNIO channel.
///
/// Why SwiftNIO sockets rather than our own loop: NIO gives a tested non-blocking socket layer,
/// event loops that Swift concurrency can run on, and writability signals for backpressure, and
/// the bridge's HTTP/1.1 and WebSocket servers share the same loops. nghttp2 does all HTTP/2
/// framing, HPACK, flow control and stream state; this handler only moves bytes between the
/// socket and nghttp2 (`mem_recv`/`mem_send`), and stops pulling frames out of nghttp2 while the
/// socket is not writable — so a peer that stops reading leaves data in the per-stream queues,
/// whose writers then wait.
///
/// Bound to its channel's event loop.
public final class HTTP2Connection: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    public enum Role: Sendable {
        case server
        case client
    }

    /// Keepalive: a PING every `interval`; no ACK within `timeout` closes the connection.
    public struct Keepalive: Sendable, Hashable {
        public var interval: TimeAmount
        public var timeout: TimeAmount

        public init(interval: TimeAmount, timeout: TimeAmount) {
            self.interval = interval
            self.timeout = timeout
        }
    }

    private enum State {
        case open
        /// A shutdown notice went out; the final GOAWAY follows after one round trip.
        case announcingShutdown
        /// The final GOAWAY was sent (or received): finish the streams in flight, then close.
        case draining
        case closed
    }

    public let role: Role
    public let eventLoop: any EventLoop
    public var logger: Logger
    public var delegate: (any HTTP2ConnectionDelegate)?

    private let session: NGHTTP2Session
    private let settings: HTTP2Settings
    private let keepalive: Keepalive?
    private var context: ChannelHandlerContext?
    private var state = State.open
    private var processingInput = false
    private var flushScheduled = false
    private var keepaliveTask: Scheduled<Void>?
    private var pingTimeoutTask: Scheduled<Void>?
    private var prefaceTask: Scheduled<Void>?
    private var idleTask: RepeatedTask?
    /// What the idle check saw last time: streams ever opened, and whether any was open.
    private var idleCheckStreamsOpened = 0
    private var idleCheckHadOpenStreams = false
    /// Set before the connection started: it is refused (GOAWAY, close) as soon as it starts.
    private var refusal: HTTP2Limit?
    private var shutdownTasks: [Scheduled<Void>] = []
    private var awaitingShutdownPingAck = false
    /// A limit broken while nghttp2 was parsing input: enforced once it returns.
    private var pendingTermination: HTTP2Limit?

    public init(
        role: Role,
        eventLoop: any EventLoop,
        settings: HTTP2Settings = HTTP2Settings(),
        keepalive: Keepalive? = nil,
        logger: Logger
    ) {
        self.role = role
        self.eventLoop = eventLoop
        self.settings = settings
        self.keepalive = keepalive
        self.logger = logger
        self.session = NGHTTP2Session(role: role == .server ? .server : .client, settings: settings)
        self.session.delegate = self
    }

    /// Whether new streams may be opened (no GOAWAY either way).
    public var isAcceptingStreams: Bool { state == .open }

    public var isClosed: Bool { state == .closed }

    public var remoteAddress: SocketAddress? { context?.channel.remoteAddress }

    // MARK: Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            start(context: context)
        }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private var started = false

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        session.submitSettings(settings)
        if let refusal {
            terminate(refusal)
            return
        }
        flushNow()
        scheduleKeepalive()
        scheduleDeadlines()
    }

    /// Refuses the connection (a connection cap): GOAWAY with the limit's error code as soon
    /// as it is active, then close.
    public func refuse(_ limit: HTTP2Limit) {
        if started {
            terminate(limit)
        } else {
            refusal = limit
        }
    }

    /// The preface deadline and the idle check (servers: clients leave both unset).
    private func scheduleDeadlines() {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        if let timeout = settings.prefaceTimeout {
            prefaceTask = eventLoop.scheduleTask(in: timeout) {
                let connection = bound.value
                guard connection.state != .closed, !connection.session.receivedPeerSettings else { return }
                connection.logger.debug("no HTTP/2 preface and SETTINGS in time; closing connection")
                connection.terminate(.prefaceTimeout)
            }
        }
        if let timeout = settings.idleTimeout {
            idleTask = eventLoop.scheduleRepeatedTask(initialDelay: timeout, delay: timeout) { _ in
                bound.value.checkIdle()
            }
        }
    }

    /// Closes the connection if no stream was open at the previous check, none opened since
    /// and none is open now: it was idle for at least one whole period. (Counters instead of a
    /// timer per stream keep every call free of timer work.)
    private func checkIdle() {
        let opened = session.streamsOpened
        let hasOpenStreams = session.openStreamCount > 0
        defer {
            idleCheckStreamsOpened = opened
            idleCheckHadOpenStreams = hasOpenStreams
        }
        guard state == .open, !hasOpenStreams, !idleCheckHadOpenStreams, opened == idleCheckStreamsOpened else { return }
        logger.debug("connection idle; closing it with GOAWAY")
        delegate?.connection(self, didEnforce: .idleTimeout)
        // Gracefully: a stream the peer opens before it sees the GOAWAY is still served, to
        // its end; the connection closes once no stream is left.
        beginGracefulShutdown(grace: nil)
    }

    /// Ends the connection because the peer broke `limit`: GOAWAY with the limit's error code
    /// (no more DATA is sent), then the socket closes.
    public func terminate(_ limit: HTTP2Limit) {
        guard state != .closed else { return }
        if processingInput {
            // nghttp2 is parsing: it may not be asked to send until it returns.
            if pendingTermination == nil { pendingTermination = limit }
            return
        }
        delegate?.connection(self, didEnforce: limit)
        session.terminate(errorCode: limit.errorCode)
        state = .draining
        flushNow(closeWhenDone: true)
        context?.close(promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard state != .closed else { return }
        processingInput = true
        do {
            try buffer.withUnsafeReadableBytes { try session.receive($0) }
        } catch let error as HTTP2SessionError where error.isFlood {
            processingInput = false
            logger.debug("PING/SETTINGS flood; closing connection", metadata: ["error": "\(error)"])
            terminate(.controlFrameFlood)
            return
        } catch {
            processingInput = false
            logger.debug("HTTP/2 connection error", metadata: ["error": "\(error)", "detail": "\(session.lastError ?? "")"])
            // nghttp2 queued a GOAWAY; send it, then close.
            flushNow(closeWhenDone: true)
            context.close(promise: nil)
            return
        }
        processingInput = false
        if let limit = pendingTermination {
            terminate(limit)
            return
        }
        delegate?.connectionDidProcessInput(self)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        flushNow()
        context.fireChannelReadComplete()
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            flushNow()
        }
        context.fireChannelWritabilityChanged()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func tearDown() {
        guard state != .closed else { return }
        state = .closed
        keepaliveTask?.cancel()
        pingTimeoutTask?.cancel()
        prefaceTask?.cancel()
        idleTask?.cancel()
        for task in shutdownTasks { task.cancel() }
        shutdownTasks.removeAll()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.connectionDidClose(self)
        context = nil
    }

    // MARK: Output

    /// Sends what nghttp2 has queued, soon (once per event-loop tick).
    public func flush() {
        guard !processingInput, !flushScheduled, state != .closed else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute {
            bound.value.flushScheduled = false
            bound.value.flushNow()
        }
    }

    private func flushNow(closeWhenDone: Bool = false) {
        guard let context, context.channel.isActive else { return }
        var wrote = false
        do {
            while context.channel.isWritable || closeWhenDone {
                var buffer = context.channel.allocator.buffer(capacity: 16 << 10)
                let more = try session.send(into: &buffer, limit: 64 << 10)
                if buffer.readableBytes > 0 {
                    context.write(wrapOutboundOut(buffer), promise: nil)
                    wrote = true
                }
                if !more { break }
            }
        } catch {
            logger.debug("HTTP/2 send failed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
        if wrote {
            context.flush()
        }
        for streamID in session.takeDrainedStreams() {
            delegate?.connection(self, didDrainStream: streamID)
        }
        if !closeWhenDone && !session.wantsRead && !session.wantsWrite {
            context.close(promise: nil)
        }
    }

    // MARK: Streams

    /// Sends response headers; see `NGHTTP2Session.submitResponse`.
    @discardableResult
    public func submitResponse(streamID: Int32, headers: HTTP2HeaderList, hasBody: Bool) -> Bool {
        submitResponse(streamID: streamID, headers: .list(headers), hasBody: hasBody)
    }

    /// Sends response headers, possibly from a prebuilt block.
    @discardableResult
    public func submitResponse(streamID: Int32, headers: HTTP2Headers, hasBody: Bool) -> Bool {
        let ok = session.submitResponse(streamID: streamID, headers: headers, hasBody: hasBody)
        flush()
        return ok
    }

    /// Opens a client stream; nil when no new stream can be opened here.
    public func submitRequest(headers: HTTP2HeaderList) -> Int32? {
        guard state == .open else { return nil }
        let streamID = session.submitRequest(headers: headers)
        flush()
        return streamID
    }

    /// Queues DATA; returns the bytes now queued on the stream.
    @discardableResult
    public func enqueue(streamID: Int32, _ buffer: ByteBuffer) -> Int {
        let pending = session.enqueue(streamID: streamID, buffer)
        if session.pendingOutboundBytes > settings.maxQueuedOutboundBytes {
            logger.debug(
                "response bytes queued beyond the budget; closing connection", metadata: ["queued": "\(session.pendingOutboundBytes)"])
            terminate(.queuedOutboundBytes)
            return pending
        }
        flush()
        return pending
    }

    public func pendingOutboundBytes(streamID: Int32) -> Int {
        session.pendingOutboundBytes(streamID: streamID)
    }

    public func notifyWhenDrained(streamID: Int32) {
        session.notifyWhenDrained(streamID: streamID)
    }

    public var outboundHighWaterMark: Int { settings.outboundBufferHighWaterMark }

    /// Ends the stream's DATA, then sends trailers if given (else END_STREAM on the last DATA).
    public func finish(streamID: Int32, trailers: HTTP2HeaderList?) {
        finish(streamID: streamID, trailers: trailers.map { .list($0) })
    }

    /// Ends the stream's DATA, then sends these trailers (or END_STREAM on the last DATA).
    public func finish(streamID: Int32, trailers: HTTP2Headers?) {
        session.finish(streamID: streamID, trailers: trailers)
        flush()
    }

    public func reset(streamID: Int32, errorCode: HTTP2ErrorCode) {
        session.resetStream(streamID: streamID, errorCode: errorCode)
        flush()
    }

    /// The application consumed `count` bytes of the stream's DATA (opens the windows again).
    public func consume(streamID: Int32, count: Int) {
        session.consume(streamID: streamID, count: count)
        flush()
    }

    /// Returns connection-level credit for DATA a closed stream left unconsumed.
    public func consumeConnection(count: Int) {
        session.consumeConnection(count: count)
        flush()
    }

    // MARK: Shutdown and keepalive

    /// Graceful shutdown: GOAWAY so the peer opens no new streams, streams in flight finish,
    /// then the connection closes. After `grace`, it closes regardless.
    public func beginGracefulShutdown(grace: TimeAmount?) {
        guard state == .open else { return }
        state = .announcingShutdown
        session.submitShutdownNotice()
        // The final GOAWAY goes out after one round trip (a PING), so that streams the peer
        // opened before it saw the notice are still accepted.
        awaitingShutdownPingAck = true
        session.submitPing()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        shutdownTasks.append(eventLoop.scheduleTask(in: .seconds(1)) { bound.value.sendFinalGoAway() })
        if let grace {
            shutdownTasks.append(eventLoop.scheduleTask(in: grace) { bound.value.close() })
        }
        flush()
    }

    private func sendFinalGoAway() {
        guard state == .announcingShutdown else { return }
        state = .draining
        awaitingShutdownPingAck = false
        session.submitGoAway(errorCode: .noError)
        flush()
    }

    public func close() {
        context?.close(promise: nil)
    }

    private func scheduleKeepalive() {
        guard let keepalive, state != .closed else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        keepaliveTask = eventLoop.scheduleTask(in: keepalive.interval) {
            let connection = bound.value
            guard connection.state != .closed else { return }
            connection.session.submitPing()
            connection.pingTimeoutTask = connection.eventLoop.scheduleTask(in: keepalive.timeout) {
                bound.value.logger.info("keepalive PING not answered; closing connection")
                bound.value.terminate(.keepaliveTimeout)
            }
            connection.flush()
        }
    }
}

extension HTTP2Connection: NGHTTP2SessionDelegate {
    func sessionDidReceiveHeaders(streamID: Int32, headers: HTTP2ReceivedHeaders, endStream: Bool) {
        delegate?.connection(self, didReceiveHeaders: headers, streamID: streamID, endStream: endStream)
    }

    func sessionDidReceiveData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        delegate?.connection(self, didReceiveData: bytes, streamID: streamID)
    }

    func sessionDidReceiveEndStream(streamID: Int32) {
        delegate?.connection(self, didReceiveEndStream: streamID)
    }

    func sessionDidCloseStream(streamID: Int32, errorCode: HTTP2ErrorCode) {
        delegate?.connection(self, didCloseStream: streamID, errorCode: errorCode)
    }

    func sessionDidReceiveGoAway(lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        if state == .open || state == .announcingShutdown {
            state = .draining
        }
        delegate?.connection(self, didReceiveGoAway: lastStreamID, errorCode: errorCode)
    }

    func sessionDidFailToSendHeaders(streamID: Int32, reason: String) {
        logger.debug("headers not sent; resetting the stream", metadata: ["stream": "\(streamID)", "reason": "\(reason)"])
    }

    func sessionDidReceivePingAck() {
        if awaitingShutdownPingAck {
            sendFinalGoAway()
        }
        if let task = pingTimeoutTask {
            task.cancel()
            pingTimeoutTask = nil
            scheduleKeepalive()
        }
    }
}

@available(*, unavailable)
extension HTTP2Connection: Sendable {}
