public import CourtsideProto
public import EventRelay
import Synchronization

/// One `StreamEvents` subscriber: the games it follows and its bounded queue of live events,
/// filled by the engine as events commit (see `SubscriberQueue`: a subscriber that falls
/// `capacity` events behind is cut off and resumes; it never slows the engine or the others).
public final class EventSubscription: Sendable {
    public enum Filter: Sendable, Hashable {
        case games(Set<String>)
        case allGames
    }

    public typealias Next = SubscriberQueue<Event>.Next

    public let id: UInt64
    private let queue: SubscriberQueue<Event>
    private let filter: Mutex<Filter>

    init(id: UInt64, filter: Filter, capacity: Int) {
        self.id = id
        self.queue = SubscriberQueue(capacity: capacity)
        self.filter = Mutex(filter)
    }

    public var capacity: Int { queue.capacity }

    func matches(gameId: String) -> Bool {
        filter.withLock { filter in
            switch filter {
            case .allGames: true
            case .games(let games): games.contains(gameId)
            }
        }
    }

    /// Queues a committed event; false if this overflowed the subscriber.
    @discardableResult
    func offer(_ event: Event) -> Bool { queue.offer(event) }

    /// Events waiting for the subscriber.
    public var depth: Int { queue.depth }

    func finish() { queue.finish() }

    /// The next live event, waiting for one if needed.
    public func next() async -> Next { await queue.next() }
}
