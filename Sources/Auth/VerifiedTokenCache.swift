import Foundation

/// Tokens already verified, by their text, until they expire: the hot path checks a signature
/// once per token, not once per call. Bounded: when full, expired entries go first, then all.
struct VerifiedTokenCache {
    private struct Entry {
        let identity: Identity
        let expiry: Date
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// The identity of `token` if it was verified and has not expired at `now`.
    mutating func identity(of token: String, at now: Date) -> Identity? {
        guard let entry = entries[token] else { return nil }
        guard now < entry.expiry else {
            entries[token] = nil
            return nil
        }
        return entry.identity
    }

    mutating func insert(_ token: String, identity: Identity, expiry: Date, now: Date) {
        guard capacity > 0 else { return }
        if entries.count >= capacity {
            entries = entries.filter { now < $0.value.expiry }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[token] = Entry(identity: identity, expiry: expiry)
    }

    mutating func removeAll() {
        entries.removeAll()
    }
}
