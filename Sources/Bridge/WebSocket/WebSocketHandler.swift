import NIOCore
import NIOWebSocket
import Prometheus

/// A WebSocket connection after the upgrade: frames in through `WebSocketMessageAssembler`,
/// complete messages to the connection's `Session` (or echoed back, in conformance-test mode),
/// frames out as prebuilt buffers. It is the session's transport: it tracks writability itself
/// (so a session never writes past a collapse it has not flushed) and runs the close handshake.
/// Pongs are bounded by a `PongSchedule`; in echo mode it stops reading while the socket does
/// not drain.
final class WebSocketHandler: ChannelInboundHandler, SessionTransport {
    typealias InboundIn = WebSocketFrame

    /// What the connection does with messages.
    enum Mode {
        /// The Courtside protocol, on the loop's hub.
        case bridge(FanoutHub)
        /// Echo text and binary messages (Autobahn).
        case echo
    }

    private enum State {
        case open
        /// A close frame was sent; waiting for the peer's (or the timeout).
        case closing
        case closed
    }

    private let mode: Mode
    private var assembler: WebSocketMessageAssembler
    /// Refuse the connection right after the handshake (origin, connections per IP).
    private let rejection: Rejection?
    private let onClosed: () -> Void
    private let writer: RawFrameWriter
    private var context: ChannelHandlerContext?
    private var session: Session?
    private var state = State.open
    private var writable = true
    private var closeTimer: Scheduled<Void>?
    private var finished = false
    private let metrics: BridgeMetrics
    private let pingPolicy: PongSchedule.Policy
    /// Made at the first ping (browsers never send any).
    private var pongs: PongSchedule?

    init(
        mode: Mode, writer: RawFrameWriter, configuration: BridgeConfiguration, metrics: BridgeMetrics, rejection: Rejection?,
        onClosed: @escaping () -> Void
    ) {
        self.mode = mode
        self.writer = writer
        self.metrics = metrics
        self.pingPolicy = PongSchedule.Policy(perSecond: configuration.maxPingsPerSecond, burst: configuration.pingBurst)
        let limit: Int
        if case .echo = mode { limit = configuration.echoMaxMessageBytes } else { limit = configuration.maxMessageBytes }
        self.assembler = WebSocketMessageAssembler(maximumMessageBytes: limit)
        self.rejection = rejection
        self.onClosed = onClosed
    }

    /// Why a connection is refused right after its handshake (one byte per connection rather
    /// than a code and a string).
    enum Rejection {
        case draining
        case originNotAllowed
        case tooManyConnections

        var closeCode: UInt16 {
            switch self {
            case .draining: WebSocketMessageAssembler.CloseCode.goingAway
            case .originNotAllowed, .tooManyConnections: WebSocketMessageAssembler.CloseCode.policyViolation
            }
        }

        var reason: String {
            switch self {
            case .draining: "going away"
            case .originNotAllowed: "origin not allowed"
            case .tooManyConnections: "too many connections"
            }
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writable = context.channel.isWritable
        if let rejection {
            close(code: rejection.closeCode, reason: rejection.reason)
            return
        }
        if case .bridge(let hub) = mode {
            let session = Session(id: hub.makeSessionID(), hub: hub, transport: self, isSSE: false)
            self.session = session
            hub.metrics.webSocketConnections.increment()
            session.start()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        state = .closed
        closeTimer?.cancel()
        closeTimer = nil
        releaseSession()
        onClosed()
    }

    private func releaseSession() {
        guard let session else { return }
        self.session = nil
        session.closed()
        session.hub.metrics.webSocketConnections.decrement()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        session?.writabilityChanged(isWritable: writable)
        if case .echo = mode {
            // Echoes are written as they come: read no more than the socket takes.
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: writable)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        session?.touch()
        switch state {
        case .open:
            break
        case .closing:
            // Waiting for the peer's close frame; everything else is dropped.
            if frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        case .closed:
            return
        }
        switch assembler.receive(frame) {
        case .none:
            break
        case .text(let text):
            switch mode {
            case .echo: echo(opcode: WebSocketFrames.text, text)
            case .bridge: session?.receive(text)
            }
        case .binary(let data):
            switch mode {
            case .echo: echo(opcode: WebSocketFrames.binary, data)
            case .bridge: close(code: WebSocketMessageAssembler.CloseCode.unsupportedData, reason: "binary messages are not accepted")
            }
        case .ping(let payload):
            answer(ping: payload, context: context)
        case .close(let code):
            // Answer the peer's close (echoing its code) and end the TCP connection.
            state = .closing
            var payload = context.channel.allocator.buffer(capacity: 2)
            if let code { payload.writeInteger(code) }
            let frame = WebSocketFrames.frame(opcode: WebSocketFrames.close, payload: payload)
            let channel = context.channel
            writer.writeAndFlush(frame, on: context.eventLoop).whenComplete { _ in channel.close(promise: nil) }
            releaseSession()
        case .fail(let code, let reason):
            close(code: code, reason: reason)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOWebSocketError {
            switch error {
            case .invalidFrameLength:
                close(code: WebSocketMessageAssembler.CloseCode.messageTooBig, reason: "frame larger than the message limit")
            default:
                close(code: WebSocketMessageAssembler.CloseCode.protocolError, reason: "protocol error")
            }
            return
        }
        context.close(promise: nil)
    }

    private func answer(ping payload: ByteBuffer, context: ChannelHandlerContext) {
        var schedule = pongs ?? PongSchedule(policy: pingPolicy, nowNanos: Clock.nanos())
        let decision = schedule.ping(payload, isWritable: writable, nowNanos: Clock.nanos(), policy: pingPolicy)
        pongs = schedule
        switch decision {
        case .send(let payload):
            sendPong(payload, context: context)
        case .owed:
            break
        case .close(let reason):
            metrics.policyClose(reason)
            close(code: WebSocketMessageAssembler.CloseCode.policyViolation, reason: reason.closeReason)
        }
    }

    private func sendPong(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        let written = writer.writeAndFlush(WebSocketFrames.frame(opcode: WebSocketFrames.pong, payload: payload), on: context.eventLoop)
        written.assumeIsolated().whenSuccess { [weak self] in
            self?.pongWritten()
        }
    }

    private func pongWritten() {
        guard case .open = state, let context, let next = pongs?.pongWritten() else { return }
        sendPong(next, context: context)
    }

    private func echo(opcode: UInt8, _ payload: ByteBuffer) {
        writer.write(WebSocketFrames.frame(opcode: opcode, payload: payload))
        writer.flush()
    }

    // MARK: SessionTransport

    var isWritable: Bool { writable }
    var wantsCursor: Bool { false }
    var queuedBytes: Int { context?.channel.queuedBytes ?? 0 }

    func write(_ message: OutboundMessage, cursor: String?) -> Int {
        guard case .open = state else { return 0 }
        let frame = message.frame ?? WebSocketFrames.text(message.json)
        writer.write(frame)
        return frame.readableBytes
    }

    func writeFrame(_ frame: ByteBuffer) -> Int {
        guard case .open = state else { return 0 }
        writer.write(frame)
        return frame.readableBytes
    }

    func flush() {
        writer.flush()
    }

    func ping() {
        guard case .open = state else { return }
        writer.write(WebSocketFrames.frame(opcode: WebSocketFrames.ping, payload: ByteBuffer()))
    }

    func close(code: UInt16, reason: String) {
        guard case .open = state, let context else { return }
        state = .closing
        writer.write(WebSocketFrames.close(code: code, reason: reason))
        writer.flush()
        // The peer should answer with its close frame; do not wait for it for long.
        let channel = context.channel
        closeTimer = context.eventLoop.scheduleTask(in: .seconds(2)) {
            channel.close(promise: nil)
        }
        releaseSession()
    }

    func goAway(_ message: OutboundMessage, retryAfterMs: Int) {
        guard case .open = state else { return }
        _ = write(message, cursor: nil)
        close(code: WebSocketMessageAssembler.CloseCode.goingAway, reason: "going away")
    }
}

@available(*, unavailable)
extension WebSocketHandler: Sendable {}
