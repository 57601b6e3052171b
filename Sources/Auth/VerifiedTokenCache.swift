import Foundation

/// Tokens already verified, by their text, until they expire: the hot path checks a signature
/// once per token, not once per call. Bounded: when full, expired entries go first, then all.
/// Keyed by `Substring`, so that a call's token is looked up as a slice of its `authorization`
/// value, without a copy.
struct VerifiedTokenCache {
    private struct Entry {
        let token: VerifiedToken
        let expiry: Date
    }

    /// What the cache knows of a token at some instant.
    enum Lookup: Equatable {
        /// What it says, and until when it is accepted.
        case verified(VerifiedToken, until: Date)
        /// Verified once, and accepted no longer: verifying it again would end in `expired`.
        case expired
        case unknown
    }

    let capacity: Int
    private var entries: [Substring: Entry] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// What `token` says, and until when it is accepted, if it was verified and has not expired
    /// at `now`.
    mutating func verified(_ token: Substring, at now: Date) -> (token: VerifiedToken, until: Date)? {
        guard let entry = entries[token] else { return nil }
        guard now < entry.expiry else {
            entries[token] = nil
            return nil
        }
        return (entry.token, entry.expiry)
    }

    /// The same without changing anything (the synchronous path: an expired entry stays until a
    /// full cache or a verification removes it).
    func lookup(_ token: Substring, at now: Date) -> Lookup {
        guard let entry = entries[token] else { return .unknown }
        return now < entry.expiry ? .verified(entry.token, until: entry.expiry) : .expired
    }

    /// Remembers `token` (stored as a copy of its own, never as a slice of a larger string).
    mutating func insert(_ token: Substring, verified: VerifiedToken, expiry: Date, now: Date) {
        guard capacity > 0 else { return }
        if entries.count >= capacity {
            entries = entries.filter { now < $0.value.expiry }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[Substring(String(token))] = Entry(token: verified, expiry: expiry)
    }

    mutating func removeAll() {
        entries.removeAll()
    }
}
