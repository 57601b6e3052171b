import Synchronization

/// Connection state visible from any thread.
final class ConnectionFlags: Sendable {
    private let usable = Atomic(true)
    private let closed = Atomic(false)

    var isUsable: Bool { usable.load(ordering: .acquiring) }
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func markUnusable() { usable.store(false, ordering: .releasing) }
    func markClosed() { closed.store(true, ordering: .releasing) }
}
