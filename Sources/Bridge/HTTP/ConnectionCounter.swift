import Synchronization

/// Open connections, in total and per key (a client address), each with a maximum. Keys whose
/// count falls back to zero are forgotten, so the table holds only addresses with connections.
final class ConnectionCounter: Sendable {
    /// Why a connection was not counted in.
    enum Refusal: Sendable, Equatable {
        /// The total is at its maximum.
        case total
        /// The key is at its maximum.
        case perKey
    }

    let maxTotal: Int
    let maxPerKey: Int
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var total = 0
        var perKey: [String: Int] = [:]
    }

    init(maxTotal: Int = .max, maxPerKey: Int) {
        self.maxTotal = maxTotal
        self.maxPerKey = maxPerKey
    }

    /// Counts one more connection of `key` (nil: in the total only); nil when counted, else why not.
    func acquire(_ key: String?) -> Refusal? {
        state.withLock { state in
            guard state.total < maxTotal else { return .total }
            if let key {
                let open = state.perKey[key, default: 0]
                guard open < maxPerKey else { return .perKey }
                state.perKey[key] = open + 1
            }
            state.total += 1
            return nil
        }
    }

    /// Gives back a connection counted by `acquire`.
    func release(_ key: String?) {
        state.withLock { state in
            state.total = max(0, state.total - 1)
            guard let key else { return }
            let open = state.perKey[key, default: 0] - 1
            state.perKey[key] = open > 0 ? open : nil
        }
    }

    /// Connections of `key` counted now.
    func open(_ key: String) -> Int {
        state.withLock { $0.perKey[key, default: 0] }
    }

    /// Connections counted now.
    var total: Int {
        state.withLock { $0.total }
    }
}
