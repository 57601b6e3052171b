import Synchronization

/// One value the server's interceptor keeps for the length of a connection, shared by the
/// connection's calls: what it decided about the credential the last call sent, say, so that the
/// next call sending the same one is decided by comparing bytes. Empty when the connection opens,
/// released with it, never seen by another connection. Its calls run on the connection's event
/// loop and in tasks, so the slot is behind a lock of its own (uncontended but for a connection's
/// concurrent calls; no lock shared between connections).
public final class ConnectionSlot: Sendable {
    private let storage = Mutex<(any Sendable & AnyObject)?>(nil)

    public init() {}

    /// What was stored last, if anything (a reference: reading it copies nothing).
    public var value: (any Sendable & AnyObject)? { storage.withLock { $0 } }

    /// Replaces the value (nil empties the slot).
    public func store(_ value: (any Sendable & AnyObject)?) {
        storage.withLock { $0 = value }
    }
}
