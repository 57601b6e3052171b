internal import GRPCWire
internal import HTTP2Transport
internal import NIOCore

/// One call on the client. Loop-bound; the calling task reaches it through `ClientCallHandle`.
final class ClientCall {
    let streamID: Int32
    let connection: GRPCClientConnection
    let method: MethodDescriptor
    private var deframer: GRPCMessageDeframer
    private var inbox: InboundMessageQueue!
    private var responseHead: Metadata?
    private var trailers: Metadata?
    private var headWaiters: [CheckedContinuation<Metadata, any Error>] = []
    private var trailerWaiters: [CheckedContinuation<Metadata, any Error>] = []
    private var drainWaiter: CheckedContinuation<Void, any Error>?
    private var failure: (any Error)?
    private var requestsFinished = false
    private var done = false
    private var writerCancelled = false
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
            let call = bound.value
            guard !call.done else { return }
            call.connection.http2.reset(streamID: call.streamID, errorCode: .cancel)
            call.fail(RPCError(.deadlineExceeded, "deadline of \(timeout) exceeded"))
        }
    }

    // MARK: Frames from the server

    func receivedHeaders(_ headers: HTTP2HeaderList, endStream: Bool) {
        if responseHead == nil {
            var metadata = Metadata()
            var httpStatus = ""
            var contentType = ""
            for (name, value) in headers {
                switch name {
                case ":status": httpStatus = value
                case "content-type": contentType = value
                default:
                    if !Metadata.isReserved(name) { metadata.addWireHeader(name: name, value: value) }
                }
            }
            guard httpStatus == "200" else {
                fail(RPCError(Self.code(forHTTPStatus: httpStatus), "server answered HTTP \(httpStatus) \(Self.firstValue("grpc-message", in: headers).map(PercentEncoding.decode) ?? "")"))
                connection.http2.reset(streamID: streamID, errorCode: .cancel)
                return
            }
            if endStream {
                // Trailers-Only: the status is in these headers.
                responseHead = metadata
                resumeHeadWaiters()
                receivedTrailers(headers)
                return
            }
            guard GRPCRequestHead.isGRPCContentType(contentType) else {
                fail(RPCError(.unknown, "server answered with content-type '\(contentType)', not application/grpc"))
                connection.http2.reset(streamID: streamID, errorCode: .cancel)
                return
            }
            responseHead = metadata
            resumeHeadWaiters()
            return
        }
        receivedTrailers(headers)
    }

    private func receivedTrailers(_ headers: HTTP2HeaderList) {
        var metadata = Metadata()
        var statusValue: String?
        var message = ""
        for (name, value) in headers {
            switch name {
            case "grpc-status": statusValue = value
            case "grpc-message": message = PercentEncoding.decode(value)
            default:
                if !Metadata.isReserved(name) { metadata.addWireHeader(name: name, value: value) }
            }
        }
        trailers = metadata
        done = true
        deadlineTask?.cancel()
        if deframer.hasPartialMessage {
            fail(RPCError(.internal, "response stream ended in the middle of a message"))
            return
        }
        guard let statusValue else {
            fail(RPCError(.internal, "server ended the call without grpc-status", metadata: metadata))
            return
        }
        let code = GRPCStatusCode(headerValue: statusValue)
        if code == .ok {
            inbox.finish(.success(()))
            resumeTrailerWaiters()
            resumeDrainWaiter(RPCError(.ok, "call completed"))
        } else {
            fail(RPCError(code, message, metadata: metadata))
        }
    }

    func receivedData(_ bytes: UnsafeRawBufferPointer) {
        inbox.received(wireBytes: bytes.count)
        guard failure == nil else { return }
        deframer.append(bytes)
        do {
            while let message = try deframer.next() {
                inbox.append(message)
            }
        } catch {
            fail(RPCError(error.status, "invalid response: \(error)"))
            connection.http2.reset(streamID: streamID, errorCode: .cancel)
        }
    }

    func receivedEndStream() {
        if trailers == nil && failure == nil {
            fail(RPCError(.internal, "server ended the stream without trailers"))
        }
    }

    func streamClosed(errorCode: HTTP2ErrorCode) {
        connection.http2.consumeConnection(count: inbox.unacknowledgedBytes)
        if !done && failure == nil {
            let code: GRPCStatusCode = errorCode == .refusedStream ? .unavailable : (errorCode == .cancel ? .cancelled : .internal)
            fail(RPCError(code, "stream reset by the server (\(errorCode))"))
        }
        deadlineTask?.cancel()
    }

    /// Ends the call with an error (local or remote) and wakes everything waiting on it.
    func fail(_ error: any Error) {
        guard failure == nil else { return }
        failure = error
        done = true
        deadlineTask?.cancel()
        inbox.finish(.failure(error))
        resumeHeadWaiters()
        resumeTrailerWaiters()
        resumeDrainWaiter(error)
    }

    /// The caller gave up on the call: reset the stream if it is still open.
    func cancel() {
        if !done {
            connection.http2.reset(streamID: streamID, errorCode: .cancel)
        }
        fail(RPCError(.cancelled, "call cancelled by the client"))
    }

    // MARK: Operations for the calling task

    func send(framed: ByteBuffer) throws -> Bool {
        if let failure { throw failure }
        guard !requestsFinished else { throw RPCError(.internal, "requests already finished") }
        let pending = connection.http2.enqueue(streamID: streamID, framed)
        return pending > connection.http2.outboundHighWaterMark
    }

    func finishRequests() {
        guard !requestsFinished else { return }
        requestsFinished = true
        connection.http2.finish(streamID: streamID, trailers: HTTP2Headers?.none)
    }

    func waitForDrain(_ continuation: CheckedContinuation<Void, any Error>) {
        if writerCancelled {
            continuation.resume(throwing: CancellationError())
        } else if let failure {
            continuation.resume(throwing: failure)
        } else if done || connection.http2.pendingOutboundBytes(streamID: streamID) * 4 <= connection.http2.outboundHighWaterMark {
            continuation.resume()
        } else {
            drainWaiter = continuation
            connection.http2.notifyWhenDrained(streamID: streamID)
        }
    }

    func resumeDrainWaiter(_ error: (any Error)?) {
        guard let waiter = drainWaiter else { return }
        drainWaiter = nil
        if let error, (error as? RPCError)?.code != .ok {
            waiter.resume(throwing: error)
        } else {
            waiter.resume()
        }
    }

    func pollMessage() -> (ready: Bool, message: ByteBuffer?, error: (any Error)?) {
        inbox.poll()
    }

    func waitForMessage(_ continuation: CheckedContinuation<ByteBuffer?, any Error>) {
        inbox.wait(continuation)
    }

    func cancelWaiters() {
        writerCancelled = true
        inbox.cancelWaiter()
        resumeDrainWaiter(CancellationError())
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

    private static func firstValue(_ name: String, in headers: HTTP2HeaderList) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// gRPC's mapping of HTTP statuses for responses that are not gRPC.
    static func code(forHTTPStatus status: String) -> GRPCStatusCode {
        switch status {
        case "400": .internal
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
    }
}

@available(*, unavailable)
extension ClientCall: Sendable {}
