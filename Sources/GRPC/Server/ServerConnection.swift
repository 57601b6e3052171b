internal import GRPCWire
internal import HTTP2Transport
internal import Logging
internal import NIOCore

/// The gRPC side of one server connection: turns HTTP/2 streams into calls and runs their
/// handlers. Loop-bound (it is the `HTTP2Connection`'s delegate).
final class GRPCServerConnection: HTTP2ConnectionDelegate {
    let http2: HTTP2Connection
    let router: RPCRouter
    let configuration: GRPCServer.Configuration
    let logger: Logger
    let executor: EventLoopTaskExecutor
    let observer: (any GRPCServerObserver)?
    let maximumReceiveMessageSize: Int
    let remoteAddress: String
    let peer: ServerPeer
    /// Request bytes the calls of this connection hold.
    var requestBudget: RequestBufferBudget
    private var calls = StreamMap<ServerCall>()
    /// Calls whose handlers start once the current input has been processed.
    private var readyToStart: [ServerCall] = []
    private let onClose: () -> Void

    init(
        http2: HTTP2Connection,
        router: RPCRouter,
        configuration: GRPCServer.Configuration,
        remoteAddress: String,
        logger: Logger,
        onClose: @escaping () -> Void
    ) {
        self.http2 = http2
        self.router = router
        self.configuration = configuration
        self.remoteAddress = remoteAddress
        self.logger = logger
        self.peer = ServerPeer(remoteAddress: remoteAddress, logger: logger)
        self.executor = EventLoopTaskExecutor(http2.eventLoop)
        self.observer = configuration.observer
        self.maximumReceiveMessageSize = configuration.maximumReceiveMessageSize
        // A stream can always hold one message of the largest size accepted.
        self.requestBudget = RequestBufferBudget(
            perStream: max(configuration.limits.maxStreamRequestBytes, configuration.maximumReceiveMessageSize),
            perConnection: max(configuration.limits.maxConnectionRequestBytes, configuration.maximumReceiveMessageSize)
        )
        self.onClose = onClose
    }

    var eventLoop: any EventLoop { http2.eventLoop }

    // MARK: HTTP2ConnectionDelegate

    func connection(_ connection: HTTP2Connection, didReceiveHeaders headers: HTTP2ReceivedHeaders, streamID: Int32, endStream: Bool) {
        if let call = calls[streamID] {
            if headers.exceedsSizeLimit {
                observer?.limitReached(.headerListSize)
                call.failForLimit(.resourceExhausted, "request trailers exceed \(configuration.http2.maxHeaderListSize) bytes")
                return
            }
            // Trailers from a client are not part of gRPC; treat them as the end of its stream.
            if endStream { call.receivedEnd() }
            return
        }
        if headers.exceedsSizeLimit {
            // Refused without reading what was kept: the block is incomplete.
            observer?.limitReached(.headerListSize)
            observer?.callRejected(method: nil, code: .resourceExhausted)
            let status = GRPCStatus(
                code: .resourceExhausted,
                message: "request headers exceed \(configuration.http2.maxHeaderListSize) bytes (SETTINGS_MAX_HEADER_LIST_SIZE)"
            )
            sendTrailersOnly(streamID: streamID, status: status, metadata: Metadata(), extraHeaders: [])
            return
        }
        switch GRPCRequestHead.validate(ReceivedRequestHeaders(headers: headers)) {
        case .rejectHTTP(let status, let message):
            logger.debug("rejected non-gRPC request", metadata: ["status": "\(status)", "reason": "\(message)"])
            observer?.callRejected(method: nil, code: .internal)
            http2.submitResponse(
                streamID: streamID,
                headers: [(":status", String(status)), ("content-type", "text/plain; charset=utf-8"), ("grpc-status", String(GRPCStatusCode.internal.rawValue)), ("grpc-message", PercentEncoding.encode(message))],
                hasBody: false
            )
        case .rejectGRPC(let status, let extraHeaders):
            observer?.callRejected(method: nil, code: status.code)
            sendTrailersOnly(streamID: streamID, status: status, metadata: Metadata(), extraHeaders: extraHeaders)
        case .accepted(let head):
            guard let method = route(head.path) else {
                let status = GRPCStatus(code: .unimplemented, message: "unknown method \(head.path)")
                // Counted without the path: a client may send any number of distinct ones.
                observer?.callRejected(method: nil, code: .unimplemented)
                sendTrailersOnly(streamID: streamID, status: status, metadata: Metadata(), extraHeaders: [])
                return
            }
            let call = ServerCall(streamID: streamID, connection: self, method: method, head: head)
            calls[streamID] = call
            call.start()
            if endStream { call.receivedEnd() }
        }
    }

    func connection(_ connection: HTTP2Connection, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        guard let call = calls[streamID] else {
            // A stream we already answered: drop the bytes but give the credit back.
            http2.consume(streamID: streamID, count: bytes.count)
            return
        }
        call.receivedData(bytes)
    }

    func connection(_ connection: HTTP2Connection, didReceiveEndStream streamID: Int32) {
        calls[streamID]?.receivedEnd()
    }

    func connection(_ connection: HTTP2Connection, didCloseStream streamID: Int32, errorCode: HTTP2ErrorCode) {
        guard let call = calls.removeValue(forKey: streamID) else { return }
        call.streamClosed(errorCode: errorCode)
    }

    func connection(_ connection: HTTP2Connection, didDrainStream streamID: Int32) {
        calls[streamID]?.resumeDrainWaiter(nil)
    }

    func connectionDidProcessInput(_ connection: HTTP2Connection) {
        guard !readyToStart.isEmpty else { return }
        let starting = readyToStart
        readyToStart.removeAll(keepingCapacity: true)
        for call in starting {
            call.runHandler()
        }
    }

    func connection(_ connection: HTTP2Connection, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {}

    func connection(_ connection: HTTP2Connection, didEnforce limit: HTTP2Limit) {
        if let limit = GRPCServerLimit(limit) {
            observer?.limitReached(limit)
        }
    }

    func connectionDidClose(_ connection: HTTP2Connection) {
        let open = calls.entries
        calls.removeAll()
        readyToStart.removeAll()
        for (_, call) in open {
            call.streamClosed(errorCode: .cancel)
        }
        onClose()
    }

    /// Recently routed paths of this connection. A client calls few methods, and the header
    /// decoder hands out the same `String` for a repeated path, so comparing against these is
    /// cheaper than hashing the path into the router's table on every call.
    private var recentRoutes: [(path: String, method: RegisteredMethod)] = []

    private func route(_ path: String) -> RegisteredMethod? {
        for route in recentRoutes where route.path == path {
            return route.method
        }
        guard let method = router.method(forPath: path) else { return nil }
        if recentRoutes.count == 8 { recentRoutes.removeFirst() }
        recentRoutes.append((path, method))
        return method
    }

    // MARK: Helpers for calls

    func scheduleStart(_ call: ServerCall) {
        readyToStart.append(call)
    }

    func sendTrailersOnly(streamID: Int32, status: GRPCStatus, metadata: Metadata, extraHeaders: HTTP2HeaderList) {
        var headers: HTTP2HeaderList = [(":status", "200"), ("content-type", "application/grpc")]
        headers.append(contentsOf: extraHeaders)
        headers.append(contentsOf: Self.statusHeaders(status))
        headers.append(contentsOf: metadata.wireHeaders)
        // No RST_STREAM after it even if the client is still sending: gRPC clients treat a reset
        // that overtakes their reading of the status as a failure of its own. What the client
        // still sends is dropped (and its flow-control credit returned).
        http2.submitResponse(streamID: streamID, headers: headers, hasBody: false)
    }

    /// The head of every successful response without custom metadata, laid out once.
    static let responseHead = HTTP2HeaderBlock([(":status", "200"), ("content-type", "application/grpc")])
    /// The trailers of every OK status without custom metadata.
    static let okTrailers = HTTP2HeaderBlock([("grpc-status", "0")])

    static func statusHeaders(_ status: GRPCStatus) -> HTTP2HeaderList {
        if status.message.isEmpty {
            return [("grpc-status", String(status.code.rawValue))]
        }
        return [("grpc-status", String(status.code.rawValue)), ("grpc-message", PercentEncoding.encode(status.messageForWire))]
    }
}

/// One call on the server. Loop-bound; handlers reach it through `ServerCallHandle`.
final class ServerCall {
    let streamID: Int32
    let connection: GRPCServerConnection
    let method: RegisteredMethod
    let timeout: GRPCTimeout?
    let context: ServerContext
    private var machine = ServerStreamStateMachine()
    private var deframer: GRPCMessageDeframer
    /// Request messages waiting for a streaming handler; nil for unary requests, whose single
    /// message is held in `heldRequest` and whose bytes are acknowledged as they arrive.
    private var inbox: InboundMessageQueue?
    private var heldRequest: ByteBuffer?
    private var task: Task<Void, Never>?
    private var deadlineTask: Scheduled<Void>?
    private var drainWaiter: CheckedContinuation<Void, any Error>?
    private var streamIsClosed = false
    private var writerCancelled = false
    /// Request bytes this call holds, as last reported to the connection's budget.
    private var heldBytes = 0
    /// When the call started; read only to report durations to an observer.
    private let startedAt: ContinuousClock.Instant?

    init(streamID: Int32, connection: GRPCServerConnection, method: RegisteredMethod, head: GRPCRequestHead) {
        self.streamID = streamID
        self.connection = connection
        self.method = method
        self.timeout = head.timeout
        self.deframer = GRPCMessageDeframer(maximumMessageSize: connection.maximumReceiveMessageSize)
        self.startedAt = connection.observer == nil ? nil : ContinuousClock.now
        let deadline = head.timeout.map { ContinuousClock.now + $0.duration }
        self.context = ServerContext(
            method: method,
            requestMetadata: head.metadata,
            deadline: deadline,
            peer: connection.peer,
            streamID: streamID
        )
        let http2 = connection.http2
        if method.kind.clientStreams {
            self.inbox = InboundMessageQueue { [streamID] count in
                http2.consume(streamID: streamID, count: count)
            }
        }
    }

    private var handle: ServerCallHandle {
        ServerCallHandle(eventLoop: connection.eventLoop, call: NIOLoopBound(self, eventLoop: connection.eventLoop))
    }

    func start() {
        connection.observer?.callStarted(method: method.descriptor)
        if let timeout {
            // (The request head drops timeouts too long to honour, so this cannot overflow.)
            let bound = NIOLoopBound(self, eventLoop: connection.eventLoop)
            deadlineTask = connection.eventLoop.scheduleTask(in: TimeAmount(timeout.duration)) {
                bound.value.deadlineExceeded(timeout)
            }
        }
        switch machine.receivedHead(kind: method.kind) {
        case .startHandler: connection.scheduleStart(self)
        case .awaitRequest: break
        }
    }

    func receivedData(_ bytes: UnsafeRawBufferPointer) {
        if let inbox {
            inbox.received(wireBytes: bytes.count)
        } else {
            connection.http2.consume(streamID: streamID, count: bytes.count)
        }
        if machine.isClosed {
            return
        }
        deframer.append(bytes)
        do {
            while let message = try deframer.next() {
                switch machine.receivedMessage() {
                case .deliver: inbox?.append(message)
                case .hold: heldRequest = message
                case .fail(let status): fail(status)
                case .drop: return
                }
            }
        } catch {
            fail(GRPCStatus(code: error.status, message: error.description))
            return
        }
        updateHolding()
    }

    /// Reports the request bytes this call holds to the connection's budget; a call over its
    /// own budget, or growing while the connection is over its, ends with RESOURCE_EXHAUSTED.
    private func updateHolding() {
        let holding = machine.isClosed ? 0 : deframer.heldBytes + (inbox?.queuedBytes ?? 0) + (heldRequest?.readableBytes ?? 0)
        guard holding != heldBytes else { return }
        let verdict = connection.requestBudget.streamHolding(changedFrom: heldBytes, to: holding)
        heldBytes = holding
        switch verdict {
        case .withinBudget:
            break
        case .streamOverBudget:
            connection.observer?.limitReached(.streamRequestBytes)
            failForLimit(.resourceExhausted, "the request stream holds more than \(connection.requestBudget.perStream) unread bytes")
        case .connectionOverBudget:
            connection.observer?.limitReached(.connectionRequestBytes)
            failForLimit(.resourceExhausted, "the connection holds more than \(connection.requestBudget.perConnection) bytes of unread requests")
        }
    }

    /// Ends the call because the client broke a limit.
    func failForLimit(_ code: GRPCStatusCode, _ message: String) {
        guard !machine.isClosed else { return }
        fail(GRPCStatus(code: code, message: message))
    }

    /// The call is over: what it still holds of the request is dropped.
    private func releaseRequestBytes() {
        guard heldBytes != 0 || deframer.hasPartialMessage || (inbox?.queuedBytes ?? 0) > 0 else { return }
        deframer = GRPCMessageDeframer(maximumMessageSize: deframer.maximumMessageSize)
        heldRequest = nil
        inbox?.discardQueuedMessages()
        _ = connection.requestBudget.streamHolding(changedFrom: heldBytes, to: 0)
        heldBytes = 0
    }

    func receivedEnd() {
        if deframer.hasPartialMessage && !machine.isClosed {
            fail(GRPCStatus(code: .internal, message: "request stream ended in the middle of a message"))
            return
        }
        switch machine.receivedEnd() {
        case .startHandlerWithRequest: connection.scheduleStart(self)
        case .finishRequestStream: inbox?.finish(.success(()))
        case .fail(let status): fail(status)
        case .drop: break
        }
    }

    /// Starts the handler's task, on the connection's event loop.
    func runHandler() {
        guard !machine.isClosed, task == nil else { return }
        let request = heldRequest
        heldRequest = nil
        if heldBytes != 0 { updateHolding() }
        let run: @Sendable (ServerCallHandle, ByteBuffer?, ServerContext) async throws -> Void
        switch method.handler {
        case .inline(let body):
            runInline(body, request)
            return
        case .task(let body):
            run = body
        }
        let context = self.context
        let handle = self.handle
        // Started immediately, on this loop: a handler that does not suspend runs to its end
        // now, and its response leaves with the flush that ends this read. A streaming handler
        // also resumes on this loop after it suspends, so that each message it sends or reads
        // is a direct call; a unary handler sends once at most, and a task-executor preference
        // would cost it more (about 0.35 µs) than the one hop back here after a suspension.
        if method.kind == .unary {
            task = Task.immediate { @Sendable in await Self.run(run, handle, request, context) }
        } else {
            task = Task.immediate(executorPreference: connection.executor) { @Sendable in await Self.run(run, handle, request, context) }
        }
    }

    /// A handler from start to status. (Each `Task.immediate` above gets its own closure: one
    /// closure passed to both would need extra allocations to convert it to theirs.)
    private static func run(
        _ body: @Sendable (ServerCallHandle, ByteBuffer?, ServerContext) async throws -> Void,
        _ handle: ServerCallHandle, _ request: ByteBuffer?, _ context: ServerContext
    ) async {
        let outcome: (status: GRPCStatus, trailers: Metadata)
        do {
            try await body(handle, request, context)
            outcome = (.ok, context.trailingMetadata)
        } catch {
            outcome = Self.outcome(of: error, context: context)
        }
        handle.complete(status: outcome.status, trailers: outcome.trailers)
    }

    /// An inline unary handler, on this loop: its response is queued before this returns.
    private func runInline(_ inline: RegisteredMethod.Inline, _ request: ByteBuffer?) {
        let outcome: (status: GRPCStatus, trailers: Metadata)
        do {
            _ = try send(framed: try inline(request, context))
            outcome = (.ok, context.trailingMetadata)
        } catch {
            outcome = Self.outcome(of: error, context: context)
        }
        complete(status: outcome.status, trailers: outcome.trailers)
    }

    /// The status a handler's error ends its call with, and the trailers to send with it. An
    /// RPCError is the handler's own answer and goes out as it is; any other error's text may
    /// describe the server's insides, so the client gets a fixed message naming the request id
    /// (also sent as a `courtside-request-id` trailer) and the log gets the error under that id.
    private static func outcome(of error: any Error, context: ServerContext) -> (status: GRPCStatus, trailers: Metadata) {
        var trailers = context.trailingMetadata
        switch error {
        case let error as RPCError:
            if !error.metadata.isEmpty { trailers.append(contentsOf: error.metadata) }
            return (error.status, trailers)
        case is CancellationError:
            return (GRPCStatus(code: .cancelled, message: "call cancelled"), trailers)
        case let error as RequestDecodingError:
            let requestID = context.requestID
            context.logger.info("request could not be decoded", metadata: ["error": "\(error.underlying)"])
            trailers.addString(requestID, forKey: requestIDTrailer)
            return (GRPCStatus(code: .invalidArgument, message: "\(error.description) (request id \(requestID))"), trailers)
        default:
            let requestID = context.requestID
            context.logger.error("handler failed", metadata: ["error": "\(error)"])
            trailers.addString(requestID, forKey: requestIDTrailer)
            return (GRPCStatus(code: .unknown, message: "internal error (request id \(requestID))"), trailers)
        }
    }

    /// The trailer that carries the request id of a call that failed inside the server.
    static let requestIDTrailer = "courtside-request-id"

    /// Ends the call with a status before (or instead of) the handler's own.
    private func fail(_ status: GRPCStatus) {
        complete(status: status, trailers: Metadata())
        task?.cancel()
    }

    private func deadlineExceeded(_ timeout: GRPCTimeout) {
        guard !machine.isClosed else { return }
        fail(GRPCStatus(code: .deadlineExceeded, message: "deadline of \(timeout.duration) exceeded"))
    }

    func complete(status: GRPCStatus, trailers: Metadata) {
        let action = machine.sendingStatus()
        if action != .drop {
            reportFinished(code: status.code)
        }
        switch action {
        case .sendTrailers:
            if status.code == .ok && status.message.isEmpty {
                connection.http2.finish(streamID: streamID, trailers: .prebuilt(GRPCServerConnection.okTrailers, extra: trailers.wireHeaders))
            } else {
                var headers = GRPCServerConnection.statusHeaders(status)
                headers.append(contentsOf: trailers.wireHeaders)
                connection.http2.finish(streamID: streamID, trailers: headers)
            }
        case .sendTrailersOnly:
            connection.sendTrailersOnly(streamID: streamID, status: status, metadata: trailers, extraHeaders: [])
        case .drop:
            break
        }
        deadlineTask?.cancel()
        deadlineTask = nil
        releaseRequestBytes()
        if inbox != nil || drainWaiter != nil {
            let error = RPCError(.cancelled, "call already completed")
            inbox?.finish(.failure(error))
            resumeDrainWaiter(error)
        }
    }

    private func reportFinished(code: GRPCStatusCode) {
        guard let observer = connection.observer, let startedAt else { return }
        observer.callFinished(method: method.descriptor, code: code, duration: ContinuousClock.now - startedAt)
    }

    func streamClosed(errorCode: HTTP2ErrorCode) {
        streamIsClosed = true
        let wasOpen = !machine.isClosed
        if wasOpen {
            reportFinished(code: .cancelled)
        }
        machine.reset()
        deadlineTask?.cancel()
        deadlineTask = nil
        releaseRequestBytes()
        if let inbox {
            connection.http2.consumeConnection(count: inbox.unacknowledgedBytes)
        }
        if inbox != nil || drainWaiter != nil {
            let error = RPCError(.cancelled, "the client cancelled the call (\(errorCode))")
            inbox?.finish(.failure(error))
            resumeDrainWaiter(error)
        }
        if wasOpen {
            task?.cancel()
        }
    }

    // MARK: Operations for the handler (through ServerCallHandle)

    /// Queues one framed response. Returns true if the writer should wait for the queue to drain.
    func send(framed: ByteBuffer) throws -> Bool {
        switch machine.sendingMessage() {
        case .sendHeadThenMessage:
            submitResponseHead()
        case .sendMessage:
            break
        case .fail(let status):
            throw RPCError(status.code, status.message)
        case .drop:
            throw RPCError(.cancelled, "call already completed")
        }
        let pending = connection.http2.enqueue(streamID: streamID, framed)
        return pending > connection.http2.outboundHighWaterMark
    }

    /// Sends the response head ahead of the first message.
    func sendHead() throws {
        switch machine.sendingHead() {
        case .sendHead:
            submitResponseHead()
        case .alreadySent:
            break
        case .drop:
            throw RPCError(.cancelled, "call already completed")
        }
    }

    private func submitResponseHead() {
        connection.http2.submitResponse(
            streamID: streamID,
            headers: .prebuilt(GRPCServerConnection.responseHead, extra: context.responseMetadata.wireHeaders),
            hasBody: true
        )
    }

    func waitForDrain(_ continuation: CheckedContinuation<Void, any Error>) {
        if writerCancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        if machine.isClosed {
            continuation.resume(throwing: RPCError(.cancelled, "call already completed"))
            return
        }
        if connection.http2.pendingOutboundBytes(streamID: streamID) <= connection.configuration.http2.outboundBufferLowWaterMark {
            continuation.resume()
            return
        }
        drainWaiter = continuation
        connection.http2.notifyWhenDrained(streamID: streamID)
    }

    func resumeDrainWaiter(_ error: (any Error)?) {
        guard let waiter = drainWaiter else { return }
        drainWaiter = nil
        if let error {
            waiter.resume(throwing: error)
        } else {
            waiter.resume()
        }
    }

    func pollMessage() -> (ready: Bool, message: ByteBuffer?, error: (any Error)?) {
        guard let inbox else { return (true, nil, nil) }
        let result = inbox.poll()
        if result.message != nil { updateHolding() }
        return result
    }

    func waitForMessage(_ continuation: CheckedContinuation<ByteBuffer?, any Error>) {
        guard let inbox else {
            continuation.resume(returning: nil)
            return
        }
        inbox.wait(continuation)
        updateHolding()
    }

    func cancelWaiters() {
        writerCancelled = true
        inbox?.cancelWaiter()
        resumeDrainWaiter(CancellationError())
    }
}

@available(*, unavailable)
extension ServerCall: Sendable {}

/// A handler's reference to its call: sends responses and reads requests on the call's event
/// loop, directly when the handler already runs there.
struct ServerCallHandle: MessageSink, MessageSource {
    let eventLoop: any EventLoop
    let call: NIOLoopBound<ServerCall>

    func write(framed: ByteBuffer) async throws {
        let call = self.call
        let mustWait: Bool
        if eventLoop.inEventLoop {
            mustWait = try call.value.send(framed: framed)
        } else {
            mustWait = try await eventLoop.submit { try call.value.send(framed: framed) }.get()
        }
        guard mustWait else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                eventLoop.executeOnLoop { call.value.waitForDrain(continuation) }
            }
        } onCancel: {
            eventLoop.executeOnLoop { call.value.cancelWaiters() }
        }
    }

    func sendHead() async throws {
        let call = self.call
        if eventLoop.inEventLoop {
            try call.value.sendHead()
        } else {
            try await eventLoop.submit { try call.value.sendHead() }.get()
        }
    }

    func nextMessage() async throws -> ByteBuffer? {
        let call = self.call
        if eventLoop.inEventLoop {
            let result = call.value.pollMessage()
            if result.ready {
                if let error = result.error { throw error }
                return result.message
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
                eventLoop.executeOnLoop { call.value.waitForMessage(continuation) }
            }
        } onCancel: {
            eventLoop.executeOnLoop { call.value.cancelWaiters() }
        }
    }

    func complete(status: GRPCStatus, trailers: Metadata) {
        let call = self.call
        eventLoop.executeOnLoop { call.value.complete(status: status, trailers: trailers) }
    }
}

/// A received header block as the request validator reads it.
struct ReceivedRequestHeaders: RequestHeaderFields {
    let headers: HTTP2ReceivedHeaders

    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        headers.forEach(body)
    }

    func string(_ bytes: UnsafeRawBufferPointer) -> String {
        headers.string(bytes)
    }
}
