import NIOCore
import Synchronization

/// A bounded queue from one producer (a relay or the score engine, which must never wait) to
/// one consuming task. A consumer that falls `capacity` items behind is marked overflowed: its
/// queue is dropped and it is told so, to end its stream and resume from its positions; it never
/// slows the producer or the other consumers.
public final class SubscriberQueue<Element: Sendable>: Sendable {
    public enum Next: Sendable {
        case item(Element)
        /// The consumer fell too far behind; nothing more will come.
        case overflowed
        /// The producer stopped (shutdown), or the consuming task was cancelled.
        case finished
    }

    private struct State {
        var queue = CircularBuffer<Element>()
        var waiter: CheckedContinuation<Next, Never>?
        var overflowed = false
        var finished = false
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Items waiting for the consumer.
    public var depth: Int { state.withLock { $0.queue.count } }

    public var isOverflowed: Bool { state.withLock { $0.overflowed } }

    /// Queues an item (or hands it straight to a waiting consumer); false if the consumer
    /// overflowed.
    @discardableResult
    public func offer(_ element: Element) -> Bool {
        let (waiter, next): (CheckedContinuation<Next, Never>?, Next?) = state.withLock { state in
            guard !state.overflowed, !state.finished else { return (nil, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, .item(element))
            }
            if state.queue.count >= capacity {
                state.overflowed = true
                state.queue.removeAll()
                return (nil, nil)
            }
            state.queue.append(element)
            return (nil, nil)
        }
        if let waiter, let next { waiter.resume(returning: next) }
        return !isOverflowed
    }

    /// No more items: a waiting consumer gets `.finished` (after what is queued).
    public func finish() {
        let waiter: CheckedContinuation<Next, Never>? = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .finished)
    }

    /// Takes everything queued now, without waiting (for consumers that write in batches).
    public func drain() -> [Element] {
        state.withLock { state in
            defer { state.queue.removeAll(keepingCapacity: true) }
            return Array(state.queue)
        }
    }

    /// The next item, waiting if needed.
    public func next() async -> Next {
        if let ready = poll() { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Next, Never>) in
                let immediate: Next? = state.withLock { state in
                    if let element = state.queue.popFirst() { return .item(element) }
                    if state.overflowed { return .overflowed }
                    if state.finished || Task.isCancelled { return .finished }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            finish()
        }
    }

    private func poll() -> Next? {
        state.withLock { state in
            if let element = state.queue.popFirst() { return .item(element) }
            if state.overflowed { return .overflowed }
            if state.finished { return .finished }
            return nil
        }
    }
}
