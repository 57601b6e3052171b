/// What ``CallInterceptor/intercept(synchronously:handler:)`` did with a call it did not refuse.
public enum SynchronousInterception<Result> {
    /// The call was decided at once and the handler ran; its result.
    case handled(Result)
    /// Deciding needs to wait: the handler has not run, the call goes to the asynchronous path.
    case undecided
}

extension SynchronousInterception: Sendable where Result: Sendable {}
