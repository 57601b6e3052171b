/// The lifecycle of one RPC on the server, as a value type that decides and returns actions; the
/// transport carries them out. Kept free of I/O so that it can be tested alone.
///
/// Order of a healthy RPC: request head → request messages → request end (client half-close),
/// interleaved with response head → response messages → status (trailers). A unary-request RPC
/// starts its handler only once the single request message and the half-close have arrived.
public struct ServerStreamStateMachine: Sendable {
    public enum State: Sendable, Hashable {
        case awaitingHead
        /// The request head arrived; the client may still send.
        case open(Open)
        /// The status was sent or the stream was reset; nothing more happens.
        case closed
    }

    public struct Open: Sendable, Hashable {
        public var kind: RPCKind
        public var clientClosed = false
        public var messagesReceived = 0
        public var handlerStarted = false
        public var responseHeadSent = false
        public var messagesSent = 0
    }

    public enum HeadAction: Sendable, Hashable {
        /// Start the handler now; request messages will follow (client and bidi streaming).
        case startHandler
        /// Wait for the single request message and the half-close.
        case awaitRequest
    }

    public enum MessageAction: Sendable, Hashable {
        /// Hand the message to the running handler.
        case deliver
        /// Keep it until the half-close (unary request).
        case hold
        /// Fail the RPC with this status (a protocol violation by the client).
        case fail(GRPCStatus)
        /// The RPC is already over: drop it.
        case drop
    }

    public enum EndAction: Sendable, Hashable {
        /// Start the handler with the held request message.
        case startHandlerWithRequest
        /// Tell the running handler that no more messages will come.
        case finishRequestStream
        case fail(GRPCStatus)
        case drop
    }

    public enum SendAction: Sendable, Hashable {
        /// Send the response head first, then the message.
        case sendHeadThenMessage
        case sendMessage
        /// A unary response may carry one message only.
        case fail(GRPCStatus)
        case drop
    }

    public enum HeadSendAction: Sendable, Hashable {
        /// Send the response head now, before any message.
        case sendHead
        /// The head is already on its way: nothing to do.
        case alreadySent
        case drop
    }

    public enum StatusAction: Sendable, Hashable {
        /// Send trailers after the response head already sent.
        case sendTrailers
        /// Nothing was sent yet: one HEADERS frame with both head and status.
        case sendTrailersOnly
        case drop
    }

    public private(set) var state: State = .awaitingHead

    public init() {}

    public var isClosed: Bool { state == .closed }

    public mutating func receivedHead(kind: RPCKind) -> HeadAction {
        precondition(state == .awaitingHead, "request head received twice")
        var open = Open(kind: kind)
        if kind.clientStreams {
            open.handlerStarted = true
            state = .open(open)
            return .startHandler
        }
        state = .open(open)
        return .awaitRequest
    }

    public mutating func receivedMessage() -> MessageAction {
        guard case .open(var open) = state else { return .drop }
        if open.clientClosed {
            return .fail(GRPCStatus(code: .internal, message: "message received after the client closed its side"))
        }
        open.messagesReceived += 1
        state = .open(open)
        if open.kind.clientStreams {
            return .deliver
        }
        if open.messagesReceived > 1 {
            return .fail(GRPCStatus(code: .unimplemented, message: "\(open.kind) RPC received more than one request message"))
        }
        return .hold
    }

    public mutating func receivedEnd() -> EndAction {
        guard case .open(var open) = state else { return .drop }
        open.clientClosed = true
        if open.kind.clientStreams {
            state = .open(open)
            return .finishRequestStream
        }
        guard open.messagesReceived == 1 else {
            state = .open(open)
            return .fail(GRPCStatus(code: .unimplemented, message: "\(open.kind) RPC ended without a request message"))
        }
        open.handlerStarted = true
        state = .open(open)
        return .startHandlerWithRequest
    }

    public mutating func sendingMessage() -> SendAction {
        guard case .open(var open) = state else { return .drop }
        if !open.kind.serverStreams && open.messagesSent >= 1 {
            return .fail(GRPCStatus(code: .internal, message: "handler sent more than one response to a \(open.kind) RPC"))
        }
        open.messagesSent += 1
        let firstSend = !open.responseHeadSent
        open.responseHeadSent = true
        state = .open(open)
        return firstSend ? .sendHeadThenMessage : .sendMessage
    }

    /// The handler sends its response head ahead of the first message (so that the client knows
    /// the call was accepted before anything is there to send).
    public mutating func sendingHead() -> HeadSendAction {
        guard case .open(var open) = state else { return .drop }
        if open.responseHeadSent { return .alreadySent }
        open.responseHeadSent = true
        state = .open(open)
        return .sendHead
    }

    public mutating func sendingStatus() -> StatusAction {
        switch state {
        case .awaitingHead:
            state = .closed
            return .sendTrailersOnly
        case .open(let open):
            state = .closed
            return open.responseHeadSent ? .sendTrailers : .sendTrailersOnly
        case .closed:
            return .drop
        }
    }

    /// The peer reset the stream, or the connection went away.
    public mutating func reset() {
        state = .closed
    }
}
