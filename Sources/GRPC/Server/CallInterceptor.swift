public import GRPCWire

/// Runs around the handlers of the methods it chooses, once for every service of a server (the
/// place for authentication and authorisation). It may refuse a call by throwing an
/// ``RPCError`` before the handler runs, or run the handler in a context of its own (a task
/// local naming the caller).
public protocol CallInterceptor: Sendable {
    /// Whether calls of `method` go through ``intercept(_:handler:)``. The other methods keep
    /// their handlers untouched (an inline unary method stays inline, at no cost).
    func intercepts(_ method: MethodDescriptor) -> Bool

    /// Runs `handler` for the call `context` describes, or throws instead.
    func intercept(_ context: ServerContext, handler: () async throws -> Void) async throws
}
