import Synchronization

/// A downstream subscriber of a producer (a relay, the score engine): what it follows and its
/// bounded queue of live items (see `SubscriberQueue`).
public final class LiveSubscription<Item: Sendable>: Sendable {
    public typealias Next = SubscriberQueue<Item>.Next

    public let id: UInt64
    private let queue: SubscriberQueue<Item>
    private let filterState: Mutex<RelayFilter>

    init(id: UInt64, filter: RelayFilter, capacity: Int) {
        self.id = id
        self.queue = SubscriberQueue(capacity: capacity)
        self.filterState = Mutex(filter)
    }

    public var capacity: Int { queue.capacity }

    public var filter: RelayFilter { filterState.withLock { $0 } }

    /// Changes what the subscriber follows (items already queued stay).
    public func setFilter(_ filter: RelayFilter) {
        filterState.withLock { $0 = filter }
    }

    /// Whether the subscriber's filter satisfies `predicate` (checked without copying it).
    func follows(where predicate: (RelayFilter) -> Bool) -> Bool {
        filterState.withLock { predicate($0) }
    }

    public var depth: Int { queue.depth }

    public var isOverflowed: Bool { queue.isOverflowed }

    @discardableResult
    func offer(_ item: Item) -> Bool { queue.offer(item) }

    /// Ends the subscriber's stream: its consumer gets `.finished` after what is queued.
    public func finish() { queue.finish() }

    /// Takes everything queued now, without waiting (for batch writers such as the bridge).
    public func drain() -> [Item] { queue.drain() }

    /// The next item, waiting if needed; `.finished` when the producer stops or the task is
    /// cancelled, `.overflowed` when the subscriber fell `capacity` items behind.
    public func next() async -> Next { await queue.next() }
}

/// A relay's subscriber: its items carry the relay's payload.
public typealias RelaySubscription<Payload: Sendable> = LiveSubscription<RelayedItem<Payload>>
