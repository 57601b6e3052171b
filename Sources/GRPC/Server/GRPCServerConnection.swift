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
                headers: [
                    (":status", String(status)), ("content-type", "text/plain; charset=utf-8"),
                    ("grpc-status", String(GRPCStatusCode.internal.rawValue)), ("grpc-message", PercentEncoding.encode(message)),
                ],
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
        headers.append(contentsOf: GRPCResponseHeaders.status(status))
        headers.append(contentsOf: metadata.wireHeaders)
        // No RST_STREAM after it even if the client is still sending: gRPC clients treat a reset
        // that overtakes their reading of the status as a failure of its own. What the client
        // still sends is dropped (and its flow-control credit returned).
        http2.submitResponse(streamID: streamID, headers: headers, hasBody: false)
    }
}
