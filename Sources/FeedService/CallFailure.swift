import GRPC

/// How the feed treats a failed call to the score or schedule service.
enum CallFailure {
    /// Worth retrying: the service is down, overloaded, restarting or slow.
    case transient(RPCError)
    /// The service refused the request itself: retrying the same request cannot succeed.
    case refused(RPCError)

    /// Classifies any error thrown by a call.
    init(_ error: any Error) {
        guard let rpc = error as? RPCError else {
            self = .transient(RPCError(.unavailable, "\(error)"))
            return
        }
        switch rpc.code {
        case .invalidArgument, .failedPrecondition, .notFound, .alreadyExists, .outOfRange, .permissionDenied,
            .unauthenticated, .unimplemented:
            self = .refused(rpc)
        default:
            self = .transient(rpc)
        }
    }
}

/// The feed is stopping (cancelled, or its shutdown deadline passed) while a call was retried.
struct FeedStopping: Error, CustomStringConvertible {
    var description: String { "the feed is stopping" }
}

/// The code of a gRPC error in metric labels ("FAILED_PRECONDITION").
extension RPCError {
    var codeLabel: String { "\(code)" }
}
