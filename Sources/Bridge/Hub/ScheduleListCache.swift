import CourtsideProto
import CourtsideRPC
import GRPC
import Synchronization

/// A list the schedule service serves (its teams, its leagues), cached by id and reloaded when
/// a lookup misses and the cache is older than `refreshAfter`: what ``TeamDirectory`` and
/// ``LeagueDirectory`` share.
final class ScheduleListCache<Entry: ScheduleListEntry>: Sendable {
    private struct State {
        var entries: [String: Entry] = [:]
        var loadedAtNanos: UInt64?
    }

    private let load: (@Sendable () async throws -> [Entry])?
    private let state: Mutex<State> = Mutex(State())
    private let refreshNanos: UInt64

    /// Entries listed by `list` from the schedule service at `client` with a deadline of 5 s
    /// (nil: only what `set` gives).
    init(
        client: GRPCClient?, refreshAfter: Duration, list: @escaping @Sendable (ScheduleServiceClient, CallOptions) async throws -> [Entry]
    ) {
        self.load = client.map { client in
            let schedule = ScheduleServiceClient(client)
            return { try await list(schedule, CallOptions(timeout: .seconds(5))) }
        }
        self.refreshNanos = UInt64(refreshAfter.components.seconds) * 1_000_000_000
    }

    /// Replaces the entries.
    func set(_ entries: [Entry]) {
        state.withLock { state in
            state.entries = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            state.loadedAtNanos = Clock.nanos()
        }
    }

    /// Every entry, in no order; loads them when nothing is cached. Throws when the schedule
    /// service is unreachable and nothing is cached.
    func all() async throws -> [Entry] {
        let cached = state.withLock { $0.loadedAtNanos == nil ? nil : Array($0.entries.values) }
        if let cached, !cached.isEmpty { return cached }
        return try await reload()
    }

    /// The cached entry (no call).
    func cached(_ id: String) -> Entry? {
        state.withLock { $0.entries[id] }
    }

    /// The entries of `ids` that are cached (nil for the others), and whether the cache is
    /// fresh enough that a miss is not worth a reload.
    func lookup(_ ids: [String]) -> (entries: [Entry?], fresh: Bool) {
        state.withLock { state in
            let fresh = state.loadedAtNanos.map { Clock.nanos() &- $0 < refreshNanos } ?? false
            return (ids.map { state.entries[$0] }, fresh)
        }
    }

    /// Loads the list again (or returns what is cached when there is nothing to load from).
    func reload() async throws -> [Entry] {
        guard let load else { return state.withLock { Array($0.entries.values) } }
        let entries = try await load()
        set(entries)
        return entries
    }
}

/// What the schedule lists: entries with an id.
protocol ScheduleListEntry: Sendable {
    var id: String { get }
}

extension Team: ScheduleListEntry {}
extension League: ScheduleListEntry {}
