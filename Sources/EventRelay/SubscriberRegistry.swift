/// The subscribers of one producer (a relay, the score engine), kept inside the producer's own
/// lock: registering under that lock is what makes the heads a subscriber gets at registration
/// and the items offered to it afterwards fit together, with nothing missed in between.
public struct SubscriberRegistry<Item: Sendable>: Sendable {
    private var subscriptions: [UInt64: LiveSubscription<Item>] = [:]
    private var nextID: UInt64 = 1
    private var stopped = false

    public init() {}

    /// A new subscriber; once the producer has stopped it is finished at once.
    public mutating func register(_ filter: RelayFilter, capacity: Int) -> LiveSubscription<Item> {
        let subscription = LiveSubscription<Item>(id: nextID, filter: filter, capacity: capacity)
        nextID += 1
        if stopped {
            subscription.finish()
        } else {
            subscriptions[subscription.id] = subscription
        }
        return subscription
    }

    /// Forgets a subscriber; the caller finishes it outside the lock.
    public mutating func remove(_ subscription: LiveSubscription<Item>) {
        subscriptions.removeValue(forKey: subscription.id)
    }

    /// Forgets every subscriber (later ones register as usual) and returns them for the caller
    /// to finish outside the lock.
    public mutating func removeAll() -> [LiveSubscription<Item>] {
        defer { subscriptions.removeAll() }
        return Array(subscriptions.values)
    }

    /// From now on, subscribers are finished as they register (the producer is stopping).
    public mutating func stop() {
        stopped = true
    }

    /// Offers an item to every subscriber whose filter satisfies `follows`.
    public func offer(_ item: Item, where follows: (RelayFilter) -> Bool) {
        for subscription in subscriptions.values where subscription.follows(where: follows) {
            subscription.offer(item)
        }
    }

    public var count: Int { subscriptions.count }

    /// Items waiting in the fullest queue.
    public var deepestQueue: Int { subscriptions.values.map(\.depth).max() ?? 0 }
}
