public import GRPCWire

/// Runs around the handlers of the methods it chooses, once for every service of a server (the
/// place for authentication and authorisation). It may refuse a call by throwing an
/// ``RPCError`` before the handler runs, or run the handler in a context of its own (a task
/// local naming the caller).
public protocol CallInterceptor: Sendable {
    /// Whether calls of `method` go through the interceptor. The other methods keep their
    /// handlers untouched (an inline unary method stays inline, at no cost).
    func intercepts(_ method: MethodDescriptor) -> Bool

    /// Runs `handler` for the call `context` describes, or throws instead.
    func intercept(_ context: ServerContext, handler: () async throws -> Void) async throws

    /// The same decision without waiting, for an inline unary method (`registerInlineUnary`), on
    /// the connection's event loop: when the call can be decided now, runs `handler` exactly as
    /// ``intercept(_:handler:)`` would (the same task locals bound around it, the same refusals,
    /// counters, logs and audit lines) and returns `.handled`, or throws to refuse. When deciding
    /// needs to wait (a key reload, a signature to check), returns `.undecided` without running
    /// `handler`: the call then runs in a task through ``intercept(_:handler:)``, as every
    /// intercepted call does without this. The default answers `.undecided` for every call.
    func intercept<Result>(synchronously context: ServerContext, handler: () throws -> Result) throws -> SynchronousInterception<Result>
}

extension CallInterceptor {
    public func intercept<Result>(synchronously context: ServerContext, handler: () throws -> Result) throws -> SynchronousInterception<
        Result
    > {
        .undecided
    }
}
