public import NIOCore

/// Runs Swift tasks on a NIO event loop.
///
/// Handlers of a connection's calls run with this executor as their task-executor preference, so
/// that they execute on the same thread as the connection they use: sending a message or taking
/// the next request is then a direct call into loop-bound state, with no thread hop, and a call
/// that never suspends completes within one turn of the loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

extension EventLoop {
    /// Runs `body` on this loop: directly when already on it, otherwise by hopping there.
    func runOnLoop<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        if inEventLoop {
            return try body()
        }
        return try await submit(body).get()
    }

    /// Runs `body` on this loop: directly when already on it, otherwise soon.
    func executeOnLoop(_ body: @escaping @Sendable () -> Void) {
        if inEventLoop {
            body()
        } else {
            execute(body)
        }
    }
}
