import Foundation

/// Tokens already verified, by their text, until they expire: the hot path checks a signature
/// once per token, not once per call. Bounded: when full, expired entries go first, then all.
struct VerifiedTokenCache {
    private struct Entry {
        let token: VerifiedToken
        let expiry: Date
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// What `token` says if it was verified and has not expired at `now`.
    mutating func verified(_ token: String, at now: Date) -> VerifiedToken? {
        guard let entry = entries[token] else { return nil }
        guard now < entry.expiry else {
            entries[token] = nil
            return nil
        }
        return entry.token
    }

    mutating func insert(_ token: String, verified: VerifiedToken, expiry: Date, now: Date) {
        guard capacity > 0 else { return }
        if entries.count >= capacity {
            entries = entries.filter { now < $0.value.expiry }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[token] = Entry(token: verified, expiry: expiry)
    }

    mutating func removeAll() {
        entries.removeAll()
    }
}
