internal import GRPCWire
internal import Logging

/// How a handler ended its call: the status and the trailers sent with it.
struct HandlerOutcome {
    /// The trailer that carries the request id of a call that failed inside the server.
    static let requestIDTrailer = "courtside-request-id"

    let status: GRPCStatus
    let trailers: Metadata

    /// The handler returned: OK, with the trailers it set.
    init(returnedFrom context: ServerContext) {
        self.status = .ok
        self.trailers = context.trailingMetadata
    }

    /// The handler threw. An RPCError is the handler's own answer and goes out as it is; any
    /// other error's text may describe the server's insides, so the client gets a fixed message
    /// naming the request id (also sent as a `courtside-request-id` trailer) and the log gets
    /// the error under that id.
    init(thrown error: any Error, context: ServerContext) {
        var trailers = context.trailingMetadata
        switch error {
        case let error as RPCError:
            if !error.metadata.isEmpty { trailers.append(contentsOf: error.metadata) }
            self.status = error.status
        case is CancellationError:
            self.status = GRPCStatus(code: .cancelled, message: "call cancelled")
        case let error as RequestDecodingError:
            let requestID = context.requestID
            context.logger.info("request could not be decoded", metadata: ["error": "\(error.underlying)"])
            trailers.addString(requestID, forKey: Self.requestIDTrailer)
            self.status = GRPCStatus(code: .invalidArgument, message: "\(error.description) (request id \(requestID))")
        default:
            let requestID = context.requestID
            context.logger.error("handler failed", metadata: ["error": "\(error)"])
            trailers.addString(requestID, forKey: Self.requestIDTrailer)
            self.status = GRPCStatus(code: .unknown, message: "internal error (request id \(requestID))")
        }
        self.trailers = trailers
    }
}
