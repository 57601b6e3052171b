public import CourtsideProto
import NIOCore
import Synchronization

/// One item a relay hands to its subscribers: an event or a snapshot of one game, with a
/// payload computed once for all subscribers (the bridge's JSON bytes, for example).
public final class RelayedItem<Payload: Sendable>: Sendable {
    public let gameId: String
    public let item: StreamItem
    public let position: Position
    public let payload: Payload

    init(gameId: String, item: StreamItem, position: Position, payload: Payload) {
        self.gameId = gameId
        self.item = item
        self.position = position
        self.payload = payload
    }
}

/// A downstream subscriber's queue of live items, bounded: one that falls `capacity` items
/// behind is marked overflowed (its stream ends and it resumes from its positions); it never
/// slows the relay or the other subscribers.
public final class RelaySubscription<Payload: Sendable>: Sendable {
    public enum Next: Sendable {
        case item(RelayedItem<Payload>)
        case overflowed
        case finished
    }

    private struct State {
        var queue = CircularBuffer<RelayedItem<Payload>>()
        var waiter: CheckedContinuation<Next, Never>?
        var overflowed = false
        var finished = false
        var filter: RelayFilter
    }

    public let id: UInt64
    public let capacity: Int
    private let state: Mutex<State>

    init(id: UInt64, filter: RelayFilter, capacity: Int) {
        self.id = id
        self.capacity = capacity
        self.state = Mutex(State(filter: filter))
    }

    public var filter: RelayFilter { state.withLock { $0.filter } }

    /// Changes what the subscriber follows (items already queued stay).
    public func setFilter(_ filter: RelayFilter) {
        state.withLock { $0.filter = filter }
    }

    public var depth: Int { state.withLock { $0.queue.count } }

    /// Queues an item; false if the subscriber overflowed.
    @discardableResult
    func offer(_ item: RelayedItem<Payload>) -> Bool {
        let (waiter, ok): (CheckedContinuation<Next, Never>?, Bool) = state.withLock { state in
            guard !state.overflowed, !state.finished else { return (nil, !state.overflowed) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            if state.queue.count >= capacity {
                state.overflowed = true
                state.queue.removeAll()
                let waiter = state.waiter
                state.waiter = nil
                return (waiter, false)
            }
            state.queue.append(item)
            return (nil, true)
        }
        waiter?.resume(returning: ok ? .item(item) : .overflowed)
        return ok
    }

    func finish() {
        let waiter: CheckedContinuation<Next, Never>? = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .finished)
    }

    /// Takes everything queued now, without waiting (for batch writers such as the bridge).
    public func drain() -> [RelayedItem<Payload>] {
        state.withLock { state in
            defer { state.queue.removeAll(keepingCapacity: true) }
            return Array(state.queue)
        }
    }

    public var isOverflowed: Bool { state.withLock { $0.overflowed } }

    /// The next item, waiting if needed; `.finished` when the relay stops or the task is cancelled.
    public func next() async -> Next {
        if let ready = poll() { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Next, Never>) in
                let immediate: Next? = state.withLock { state in
                    if let item = state.queue.popFirst() { return .item(item) }
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
            if let item = state.queue.popFirst() { return .item(item) }
            if state.overflowed { return .overflowed }
            if state.finished { return .finished }
            return nil
        }
    }
}
