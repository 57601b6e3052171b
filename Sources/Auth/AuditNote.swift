import Synchronization

/// What an accepted write touched, noted by its handler for the audit line the interceptor
/// writes when the call ends. Bound only around intercepted writes; elsewhere noting is a no-op.
public final class AuditNote: Sendable {
    /// At most this many game ids are kept; the line says how many more there were.
    static let maximumGames = 20

    private struct State {
        var games: [String] = []
        var seen: Set<String> = []
        var omitted = 0
    }
    private let state = Mutex(State())

    init() {}

    @TaskLocal static var current: AuditNote?

    /// Notes the games a write touches (repeats counted once).
    public static func games(_ ids: some Sequence<String>) {
        guard let note = current else { return }
        note.state.withLock { state in
            for id in ids where state.seen.insert(id).inserted {
                if state.games.count < maximumGames { state.games.append(id) } else { state.omitted += 1 }
            }
        }
    }

    /// "g1,g2 (+3 more)", or "-" when none was noted.
    var gamesText: String {
        state.withLock { state in
            guard !state.games.isEmpty else { return "-" }
            return state.games.joined(separator: ",") + (state.omitted > 0 ? " (+\(state.omitted) more)" : "")
        }
    }
}
