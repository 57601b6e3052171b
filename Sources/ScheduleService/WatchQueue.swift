import CourtsideProto
import CourtsideRPC
import GRPC
import Synchronization

/// The changes waiting for one watcher, and the watcher's end: filled by the hub (never
/// waiting), drained by the watcher's task.
final class WatchQueue: Sendable {
    private struct State {
        var pending: [LoggedChange] = []
        var head = 0
        var waiter: CheckedContinuation<LoggedChange?, any Error>?
        /// Set once: how the stream ends after the pending changes (nil error: normally).
        var end: RPCError??
        var cancelled = false

        var pendingCount: Int { pending.count - head }

        mutating func pop() -> LoggedChange? {
            guard head < pending.count else { return nil }
            let change = pending[head]
            head += 1
            if head >= 1024 && head * 2 >= pending.count {
                pending.removeFirst(head)
                head = 0
            }
            return change
        }
    }

    private let state = Mutex(State())
    private let onCancel: @Sendable () -> Void

    /// - Parameter onCancel: called when the reading task is cancelled.
    init(onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = onCancel
    }

    /// Changes waiting to be taken.
    var pendingCount: Int { state.withLock { $0.pendingCount } }

    /// What became of changes offered to a watcher.
    enum EnqueueResult {
        case added
        /// `capacity` or more changes were still waiting: nothing was added.
        case fellBehind
        /// The stream has ended or its reader is gone: nothing was added.
        case ended
    }

    /// Adds changes unless `capacity` or more are already waiting (the watcher has fallen
    /// behind). A batch (the changes of one write) is never split, so at most `capacity` plus
    /// one batch wait.
    func enqueue(_ changes: [LoggedChange], capacity: Int) -> EnqueueResult {
        typealias Handover = (result: EnqueueResult, waiter: CheckedContinuation<LoggedChange?, any Error>?, first: LoggedChange?)
        let handover: Handover = state.withLock { state in
            if state.end != nil || state.cancelled { return (.ended, nil, nil) }
            if state.pendingCount >= capacity { return (.fellBehind, nil, nil) }
            state.pending.append(contentsOf: changes)
            guard let waiter = state.waiter, let first = state.pop() else { return (.added, nil, nil) }
            state.waiter = nil
            return (.added, waiter, first)
        }
        handover.waiter?.resume(returning: handover.first)
        return handover.result
    }

    /// Ends the stream after the changes already waiting: with `error`, or normally when nil.
    func finish(_ error: RPCError?) {
        let waiter: CheckedContinuation<LoggedChange?, any Error>? = state.withLock { state in
            guard state.end == nil else { return nil }
            state.end = .some(error)
            guard state.pendingCount == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// The next change; nil when the stream ended normally or the task was cancelled.
    /// - Throws: the error the stream was finished with, once the waiting changes are taken.
    func next() async throws -> LoggedChange? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LoggedChange?, any Error>) in
                enum Outcome {
                    case deliver(LoggedChange?)
                    case fail(RPCError)
                    case wait
                }
                let outcome: Outcome = state.withLock { state in
                    if let change = state.pop() { return .deliver(change) }
                    if state.cancelled { return .deliver(nil) }
                    if let end = state.end {
                        if let error = end { return .fail(error) }
                        return .deliver(nil)
                    }
                    state.waiter = continuation
                    return .wait
                }
                switch outcome {
                case .deliver(let change): continuation.resume(returning: change)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            let waiter: CheckedContinuation<LoggedChange?, any Error>? = state.withLock { state in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
            onCancel()
        }
    }
}
