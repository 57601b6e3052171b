/// The lifecycle of one RPC on the client, as a value type that decides and returns actions; the
/// transport carries them out. Kept free of I/O so that it can be tested alone, like
/// `ServerStreamStateMachine`.
///
/// Order of a healthy RPC: request head (sent when the stream opens) → request messages →
/// request end, interleaved with response head → response messages → trailers carrying
/// `grpc-status`. A Trailers-Only response carries head and status in its one HEADERS frame.
public struct ClientStreamStateMachine: Sendable {
    public enum State: Sendable, Hashable {
        /// The request head went out; the server has not answered yet.
        case awaitingResponseHead(requestsFinished: Bool)
        /// The response head arrived: messages, then trailers, follow.
        case receivingResponse(requestsFinished: Bool)
        /// The status arrived, the call failed, or the stream was reset: nothing more happens.
        case closed
    }

    public enum HeadersAction: Sendable, Hashable {
        /// The response head: the server accepted the call.
        case deliverHead(Metadata)
        /// The call ended with `status`. `trailersOnlyHead` is the metadata to report as the
        /// response head of a Trailers-Only response; nil when the head came before.
        case finish(status: GRPCStatus, trailers: Metadata, trailersOnlyHead: Metadata?)
        /// Not a valid gRPC response: fail the call, and reset the stream if `resetStream`.
        case fail(GRPCStatus, trailers: Metadata, resetStream: Bool)
        /// The call is already over.
        case drop
    }

    public enum DataAction: Sendable, Hashable {
        /// Deframe the bytes into response messages.
        case deframe
        /// DATA before the response head: fail the call and reset the stream.
        case fail(GRPCStatus)
        case drop
    }

    public enum EndStreamAction: Sendable, Hashable {
        /// The stream ended without trailers: fail the call (the stream is over, no reset).
        case fail(GRPCStatus)
        case drop
    }

    public enum ResetAction: Sendable, Hashable {
        /// The stream was reset before the call ended: fail it with this status.
        case fail(GRPCStatus)
        case drop
    }

    public enum SendAction: Sendable, Hashable {
        case send
        /// The client already ended its requests.
        case fail(GRPCStatus)
        /// The call is over: the message goes nowhere.
        case drop
    }

    public enum FinishRequestsAction: Sendable, Hashable {
        /// End the request stream (END_STREAM).
        case sendEndStream
        case drop
    }

    public enum LocalFailureAction: Sendable, Hashable {
        /// The stream is still open: reset it, then fail the call.
        case resetStreamAndFail
        /// The call is already over.
        case drop
    }

    public private(set) var state: State = .awaitingResponseHead(requestsFinished: false)

    public init() {}

    public var isClosed: Bool { state == .closed }

    // MARK: From the server

    /// A HEADERS frame. `endsMidMessage` says whether part of a response message is still
    /// waiting for its remaining bytes (a status then cannot end the call cleanly).
    public mutating func receivedHeaders(_ headers: [(name: String, value: String)], endStream: Bool, endsMidMessage: Bool) -> HeadersAction
    {
        switch state {
        case .closed:
            return .drop
        case .awaitingResponseHead:
            let head = ResponseFields(headers)
            guard head.httpStatus == "200" else {
                state = .closed
                let detail = head.message.map { " \($0)" } ?? ""
                let status = GRPCStatus(
                    code: Self.code(forHTTPStatus: head.httpStatus ?? ""),
                    message: "server answered HTTP \(head.httpStatus ?? "without :status")\(detail)")
                return .fail(status, trailers: Metadata(), resetStream: !endStream)
            }
            if endStream {
                // Trailers-Only: the status is in these headers.
                return finish(head, trailersOnlyHead: head.metadata, endsMidMessage: endsMidMessage)
            }
            guard let contentType = head.contentType, GRPCRequestHead.isGRPCContentType(contentType) else {
                state = .closed
                let status = GRPCStatus(
                    code: .unknown, message: "server answered with content-type '\(head.contentType ?? "")', not application/grpc")
                return .fail(status, trailers: Metadata(), resetStream: true)
            }
            if case .awaitingResponseHead(let requestsFinished) = state {
                state = .receivingResponse(requestsFinished: requestsFinished)
            }
            return .deliverHead(head.metadata)
        case .receivingResponse:
            guard endStream else {
                state = .closed
                let status = GRPCStatus(code: .internal, message: "server sent a second HEADERS frame that does not end the stream")
                return .fail(status, trailers: Metadata(), resetStream: true)
            }
            return finish(ResponseFields(headers), trailersOnlyHead: nil, endsMidMessage: endsMidMessage)
        }
    }

    private mutating func finish(_ fields: ResponseFields, trailersOnlyHead: Metadata?, endsMidMessage: Bool) -> HeadersAction {
        state = .closed
        if endsMidMessage {
            return .fail(
                GRPCStatus(code: .internal, message: "response stream ended in the middle of a message"), trailers: Metadata(),
                resetStream: false)
        }
        guard let statusValue = fields.grpcStatus else {
            return .fail(
                GRPCStatus(code: .internal, message: "server ended the call without grpc-status"), trailers: fields.metadata,
                resetStream: false)
        }
        let status = GRPCStatus(code: GRPCStatusCode(headerValue: statusValue), message: fields.message ?? "")
        return .finish(status: status, trailers: fields.metadata, trailersOnlyHead: trailersOnlyHead)
    }

    public mutating func receivedData() -> DataAction {
        switch state {
        case .closed:
            return .drop
        case .awaitingResponseHead:
            state = .closed
            return .fail(GRPCStatus(code: .internal, message: "server sent DATA before the response headers"))
        case .receivingResponse:
            return .deframe
        }
    }

    /// The last DATA frame had END_STREAM: trailers can no longer come.
    public mutating func receivedEndStream() -> EndStreamAction {
        guard !isClosed else { return .drop }
        state = .closed
        return .fail(GRPCStatus(code: .internal, message: "server ended the stream without trailers"))
    }

    /// The stream closed; `errorCode` is the HTTP/2 error code of its RST_STREAM (or of the
    /// connection's end), `reason` its name for the message.
    public mutating func streamClosed(errorCode: UInt32, reason: String) -> ResetAction {
        guard !isClosed else { return .drop }
        state = .closed
        return .fail(GRPCStatus(code: Self.code(forResetCode: errorCode), message: "stream reset by the server (\(reason))"))
    }

    // MARK: From the calling task

    public mutating func sendingMessage() -> SendAction {
        switch state {
        case .closed:
            return .drop
        case .awaitingResponseHead(let finished), .receivingResponse(let finished):
            return finished ? .fail(GRPCStatus(code: .internal, message: "requests already finished")) : .send
        }
    }

    public mutating func finishingRequests() -> FinishRequestsAction {
        switch state {
        case .closed, .awaitingResponseHead(requestsFinished: true), .receivingResponse(requestsFinished: true):
            return .drop
        case .awaitingResponseHead(requestsFinished: false):
            state = .awaitingResponseHead(requestsFinished: true)
            return .sendEndStream
        case .receivingResponse(requestsFinished: false):
            state = .receivingResponse(requestsFinished: true)
            return .sendEndStream
        }
    }

    /// The client ends the call itself (cancellation, deadline, an error of its own).
    public mutating func failingLocally() -> LocalFailureAction {
        guard !isClosed else { return .drop }
        state = .closed
        return .resetStreamAndFail
    }

    /// The connection ended the call (GOAWAY above its stream, or closed): there is no stream
    /// left to reset. Returns whether the call was still open, and so must now fail.
    public mutating func connectionEnded() -> Bool {
        guard !isClosed else { return false }
        state = .closed
        return true
    }

    // MARK: Mappings

    /// gRPC's mapping of HTTP statuses for responses that are not gRPC.
    public static func code(forHTTPStatus status: String) -> GRPCStatusCode {
        switch status {
        case "400": .internal
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
    }

    /// gRPC's mapping of HTTP/2 RST_STREAM error codes.
    public static func code(forResetCode code: UInt32) -> GRPCStatusCode {
        switch code {
        case 0x7: .unavailable  // REFUSED_STREAM: not processed, safe to retry
        case 0x8: .cancelled  // CANCEL
        case 0xb: .resourceExhausted  // ENHANCE_YOUR_CALM
        case 0xc: .permissionDenied  // INADEQUATE_SECURITY
        default: .internal
        }
    }
}

/// The fields of a response HEADERS frame that gRPC reads; the rest is custom metadata.
private struct ResponseFields {
    var httpStatus: String?
    var contentType: String?
    var grpcStatus: String?
    var message: String?
    var metadata = Metadata()

    init(_ headers: [(name: String, value: String)]) {
        for (name, value) in headers {
            switch name {
            case ":status": httpStatus = value
            case "content-type": contentType = value
            case "grpc-status": grpcStatus = value
            case "grpc-message": message = PercentEncoding.decode(value)
            default:
                if !Metadata.isReserved(name) { metadata.addWireHeader(name: name, value: value) }
            }
        }
    }
}
