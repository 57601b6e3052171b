public import CourtsideProto
import NIOCore
import Synchronization

/// One subscriber's queue of live events, filled by the engine as events commit and drained by
/// the subscriber's stream. Bounded: a subscriber that falls `capacity` events behind is
/// marked overflowed and its stream ends (it resumes from its positions); it never slows the
/// engine or the other subscribers.
public final class EventSubscription: Sendable {
    public enum Filter: Sendable, Hashable {
        case games(Set<String>)
        case allGames
    }

    public enum Next: Sendable {
        case event(Event)
        /// The subscriber fell too far behind; nothing more will come.
        case overflowed
        /// The engine stopped (shutdown).
        case finished
    }

    private struct State {
        var queue = CircularBuffer<Event>()
        var waiter: CheckedContinuation<Next, Never>?
        var overflowed = false
        var finished = false
        var filter: Filter
    }

    public let id: UInt64
    public let capacity: Int
    private let state: Mutex<State>

    init(id: UInt64, filter: Filter, capacity: Int) {
        self.id = id
        self.capacity = capacity
        self.state = Mutex(State(filter: filter))
    }

    func matches(gameId: String) -> Bool {
        state.withLock { state in
            switch state.filter {
            case .allGames: true
            case .games(let games): games.contains(gameId)
            }
        }
    }

    /// Adds games to follow (the subscription service widens its upstream stream this way).
    public func follow(_ games: Set<String>) {
        state.withLock { state in
            if case .games(let current) = state.filter {
                state.filter = .games(current.union(games))
            }
        }
    }

    /// Queues a committed event; returns false if this overflowed the subscriber.
    @discardableResult
    func offer(_ event: Event) -> Bool {
        let waiter: CheckedContinuation<Next, Never>? = state.withLock { state in
            guard !state.overflowed, !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if state.queue.count >= capacity {
                state.overflowed = true
                state.queue.removeAll()
                return nil
            }
            state.queue.append(event)
            return nil
        }
        waiter?.resume(returning: .event(event))
        return !isOverflowed
    }

    var isOverflowed: Bool { state.withLock { $0.overflowed } }

    /// Events waiting for the subscriber.
    public var depth: Int { state.withLock { $0.queue.count } }

    func finish() {
        let waiter: CheckedContinuation<Next, Never>? = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .finished)
    }

    /// The next live event, waiting for one if needed. Returns `.finished` if the task is
    /// cancelled while waiting.
    public func next() async -> Next {
        if let ready = poll() { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Next, Never>) in
                let immediate: Next? = state.withLock { state in
                    if let event = state.queue.popFirst() { return .event(event) }
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
            if let event = state.queue.popFirst() { return .event(event) }
            if state.overflowed { return .overflowed }
            if state.finished { return .finished }
            return nil
        }
    }
}
