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

/// A downstream subscriber: what it follows and its bounded queue of live items (see
/// `SubscriberQueue`).
public final class RelaySubscription<Payload: Sendable>: Sendable {
    public typealias Next = SubscriberQueue<RelayedItem<Payload>>.Next

    public let id: UInt64
    private let queue: SubscriberQueue<RelayedItem<Payload>>
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

    public var depth: Int { queue.depth }

    public var isOverflowed: Bool { queue.isOverflowed }

    @discardableResult
    func offer(_ item: RelayedItem<Payload>) -> Bool { queue.offer(item) }

    func finish() { queue.finish() }

    /// Takes everything queued now, without waiting (for batch writers such as the bridge).
    public func drain() -> [RelayedItem<Payload>] { queue.drain() }

    /// The next item, waiting if needed; `.finished` when the relay stops or the task is cancelled.
    public func next() async -> Next { await queue.next() }
}
