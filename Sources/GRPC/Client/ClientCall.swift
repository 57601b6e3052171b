internal import GRPCWire
internal import HTTP2Transport
internal import NIOCore

/// One call on the client. Loop-bound; the calling task reaches it through `ClientCallHandle`.
final class ClientCall {
    let streamID: Int32
    let connection: GRPCClientConnection
    let method: MethodDescriptor
    private var machine = ClientStreamStateMachine()
    private var deframer: GRPCMessageDeframer
    private var inbox: InboundMessageQueue!
    private var responseHead: Metadata?
    private var trailers: Metadata?
    private var headWaiters: [CheckedContinuation<Metadata, any Error>] = []
    private var trailerWaiters: [CheckedContinuation<Metadata, any Error>] = []
    private var drain = OutboundDrainWaiter()
    private var failure: (any Error)?
    private var deadlineTask: Scheduled<Void>?

    init(streamID: Int32, connection: GRPCClientConnection, method: MethodDescriptor) {
        self.streamID = streamID
        self.connection = connection
        self.method = method
        self.deframer = GRPCMessageDeframer(maximumMessageSize: connection.maximumReceiveMessageSize)
        let http2 = connection.http2
        self.inbox = InboundMessageQueue { [streamID] count in
            http2.consume(streamID: streamID, count: count)
        }
    }

    func setDeadline(_ timeout: Duration) {
        let bound = NIOLoopBound(self, eventLoop: connection.http2.eventLoop)
        deadlineTask = connection.http2.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            bound.value.failLocally(RPCError(.deadlineExceeded, "deadline of \(timeout) exceeded"))
        }
    }

    // MARK: Frames from the server

    func receivedHeaders(_ headers: HTTP2HeaderList, endStream: Bool) {
        switch machine.receivedHeaders(headers, endStream: endStream, endsMidMessage: deframer.hasPartialMessage) {
        case .deliverHead(let metadata):
            responseHead = metadata
            resumeHeadWaiters()
        case .finish(let status, let metadata, let trailersOnlyHead):
            if let trailersOnlyHead {
                responseHead = trailersOnlyHead
                resumeHeadWaiters()
            }
            trailers = metadata
            deadlineTask?.cancel()
            if status.code == .ok {
                inbox.finish(.success(()))
                resumeTrailerWaiters()
                resumeDrainWaiter(nil)
            } else {
                fail(RPCError(status.code, status.message, metadata: metadata))
            }
        case .fail(let status, let metadata, let resetStream):
            if resetStream { connection.http2.reset(streamID: streamID, errorCode: .cancel) }
            fail(RPCError(status.code, status.message, metadata: metadata))
        case .drop:
            break
        }
    }

    func receivedData(_ bytes: UnsafeRawBufferPointer) {
        inbox.received(wireBytes: bytes.count)
        switch machine.receivedData() {
        case .deframe:
            break
        case .fail(let status):
            connection.http2.reset(streamID: streamID, errorCode: .protocolError)
            fail(RPCError(status.code, status.message))
            return
        case .drop:
            return
        }
        deframer.append(bytes)
        do {
            while let message = try deframer.next() {
                inbox.append(message)
            }
        } catch {
            _ = machine.failingLocally()
            connection.http2.reset(streamID: streamID, errorCode: .cancel)
            fail(RPCError(error.status, "invalid response: \(error)"))
        }
    }

    func receivedEndStream() {
        switch machine.receivedEndStream() {
        case .fail(let status): fail(RPCError(status.code, status.message))
        case .drop: break
        }
    }

    func streamClosed(errorCode: HTTP2ErrorCode) {
        connection.http2.consumeConnection(count: inbox.unacknowledgedBytes)
        switch machine.streamClosed(errorCode: errorCode.rawValue, reason: "\(errorCode)") {
        case .fail(let status): fail(RPCError(status.code, status.message))
        case .drop: break
        }
        deadlineTask?.cancel()
    }

    /// The connection ended the call (GOAWAY above its stream, or closed): fails it with `error`.
    func connectionEnded(_ error: RPCError) {
        if machine.connectionEnded() {
            fail(error)
        }
    }

    /// The client ends the call (deadline, cancellation, its own error): resets the stream if
    /// the call is still open and fails it with `error`.
    func failLocally(_ error: any Error) {
        switch machine.failingLocally() {
        case .resetStreamAndFail:
            connection.http2.reset(streamID: streamID, errorCode: .cancel)
            fail(error)
        case .drop:
            break
        }
    }

    /// Wakes everything waiting on the call with `error` (local or remote); the first wins.
    private func fail(_ error: any Error) {
        guard failure == nil else { return }
        failure = error
        deadlineTask?.cancel()
        inbox.finish(.failure(error))
        resumeHeadWaiters()
        resumeTrailerWaiters()
        resumeDrainWaiter(error)
    }

    /// The caller gave up on the call: reset the stream if it is still open.
    func cancel() {
        failLocally(RPCError(.cancelled, "call cancelled by the client"))
    }

    // MARK: Operations for the calling task

    func send(framed: ByteBuffer) throws -> Bool {
        switch machine.sendingMessage() {
        case .send:
            break
        case .fail(let status):
            throw RPCError(status.code, status.message)
        case .drop:
            if let failure { throw failure }
            return false
        }
        let pending = connection.http2.enqueue(streamID: streamID, framed)
        return pending > connection.http2.outboundHighWaterMark
    }

    func finishRequests() {
        switch machine.finishingRequests() {
        case .sendEndStream: connection.http2.finish(streamID: streamID, trailers: HTTP2Headers?.none)
        case .drop: break
        }
    }

    func waitForDrain(_ continuation: CheckedContinuation<Void, any Error>) {
        let http2 = connection.http2
        if drain.wait(
            continuation, failure: failure,
            drained: machine.isClosed || http2.pendingOutboundBytes(streamID: streamID) * 4 <= http2.outboundHighWaterMark)
        {
            http2.notifyWhenDrained(streamID: streamID)
        }
    }

    func resumeDrainWaiter(_ error: (any Error)?) {
        drain.resume(error)
    }

    func pollMessage() -> (ready: Bool, message: ByteBuffer?, error: (any Error)?) {
        inbox.poll()
    }

    func waitForMessage(_ continuation: CheckedContinuation<ByteBuffer?, any Error>) {
        inbox.wait(continuation)
    }

    func cancelWaiters() {
        inbox.cancelWaiter()
        drain.cancel()
    }

    func waitForHead(_ continuation: CheckedContinuation<Metadata, any Error>) {
        if let responseHead {
            continuation.resume(returning: responseHead)
        } else if let failure {
            continuation.resume(throwing: failure)
        } else {
            headWaiters.append(continuation)
        }
    }

    func waitForTrailers(_ continuation: CheckedContinuation<Metadata, any Error>) {
        if let trailers, failure == nil {
            continuation.resume(returning: trailers)
        } else if let failure {
            if let error = failure as? RPCError {
                continuation.resume(returning: error.metadata)
            } else {
                continuation.resume(throwing: failure)
            }
        } else {
            trailerWaiters.append(continuation)
        }
    }

    private func resumeHeadWaiters() {
        let waiters = headWaiters
        headWaiters.removeAll()
        for waiter in waiters {
            if let responseHead {
                waiter.resume(returning: responseHead)
            } else {
                waiter.resume(throwing: failure ?? RPCError(.internal, "no response headers"))
            }
        }
    }

    private func resumeTrailerWaiters() {
        let waiters = trailerWaiters
        trailerWaiters.removeAll()
        for waiter in waiters {
            waitForTrailers(waiter)
        }
    }
}

@available(*, unavailable)
extension ClientCall: Sendable {}
