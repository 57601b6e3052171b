import Synchronization

/// A first-come, first-served lock for async code: one holder at a time, others wait without
/// blocking a thread.
///
/// ``Schedule`` holds it from a write until the write's changes are published, so watchers see
/// changes in the order they were committed.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` holding the lock. Waiting is not cancellable: a holder's work is short.
    func withLock<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            // The lock passes straight to the next waiter (it stays locked).
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
