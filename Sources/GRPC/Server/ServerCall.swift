internal import GRPCWire
internal import HTTP2Transport
internal import Logging
internal import NIOCore

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
    private var drain = OutboundDrainWaiter()
    private var streamIsClosed = false
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
            failForLimit(
                .resourceExhausted, "the connection holds more than \(connection.requestBudget.perConnection) bytes of unread requests")
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
        let run: RegisteredMethod.TaskBody
        switch method.handler {
        case .inline(let body):
            runInline(body, request)
            return
        case .interceptedInline(let attempt, let body):
            if runInlineIfDecided(attempt, request) { return }
            run = body
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
        let outcome: HandlerOutcome
        do {
            try await body(handle, request, context)
            outcome = HandlerOutcome(returnedFrom: context)
        } catch {
            outcome = HandlerOutcome(thrown: error, context: context)
        }
        handle.complete(status: outcome.status, trailers: outcome.trailers)
    }

    /// An inline unary handler, on this loop: its response is queued before this returns.
    private func runInline(_ inline: RegisteredMethod.Inline, _ request: ByteBuffer?) {
        let outcome: HandlerOutcome
        do {
            _ = try send(framed: try inline(request, context))
            outcome = HandlerOutcome(returnedFrom: context)
        } catch {
            outcome = HandlerOutcome(thrown: error, context: context)
        }
        complete(status: outcome.status, trailers: outcome.trailers)
    }

    /// An intercepted inline unary handler, on this loop, if its interceptor decides the call at
    /// once: then its response (or the refusal) is queued before this returns true. False: nothing
    /// ran, the call goes to a task.
    private func runInlineIfDecided(_ attempt: RegisteredMethod.InterceptedInline, _ request: ByteBuffer?) -> Bool {
        let outcome: HandlerOutcome
        do {
            guard try attempt(request, context, { framed in _ = try send(framed: framed) }) else { return false }
            outcome = HandlerOutcome(returnedFrom: context)
        } catch {
            outcome = HandlerOutcome(thrown: error, context: context)
        }
        complete(status: outcome.status, trailers: outcome.trailers)
        return true
    }

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
                connection.http2.finish(
                    streamID: streamID, trailers: .prebuilt(GRPCResponseHeaders.okTrailers, extra: trailers.wireHeaders))
            } else {
                var headers = GRPCResponseHeaders.status(status)
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
        if inbox != nil || drain.isWaiting {
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
        if inbox != nil || drain.isWaiting {
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
            headers: .prebuilt(GRPCResponseHeaders.head, extra: context.responseMetadata.wireHeaders),
            hasBody: true
        )
    }

    func waitForDrain(_ continuation: CheckedContinuation<Void, any Error>) {
        let closed = machine.isClosed ? RPCError(.cancelled, "call already completed") : nil
        let lowWaterMark = connection.configuration.http2.outboundBufferLowWaterMark
        if drain.wait(continuation, failure: closed, drained: connection.http2.pendingOutboundBytes(streamID: streamID) <= lowWaterMark) {
            connection.http2.notifyWhenDrained(streamID: streamID)
        }
    }

    func resumeDrainWaiter(_ error: (any Error)?) {
        drain.resume(error)
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
        inbox?.cancelWaiter()
        drain.cancel()
    }
}

@available(*, unavailable)
extension ServerCall: Sendable {}
