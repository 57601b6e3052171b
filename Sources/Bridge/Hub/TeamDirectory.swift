public import CourtsideProto
import CourtsideRPC
public import GRPC
import Synchronization

/// The teams of the schedule service (`ListTeams`), cached and refreshed when a lookup misses
/// (at most every few seconds), for `/api/teams`, team objects in `/api/games` and the
/// existence check of subscribed teams.
public final class TeamDirectory: Sendable {
    private struct State {
        var teams: [String: Team] = [:]
        var loadedAtNanos: UInt64?
    }

    private let schedule: ScheduleServiceClient?
    private let state = Mutex(State())
    private let refreshNanos: UInt64

    /// Teams from the schedule service at `client` (nil: only what `set` gives).
    public init(client: GRPCClient?, refreshAfter: Duration = .seconds(5)) {
        self.schedule = client.map { ScheduleServiceClient($0) }
        self.refreshNanos = UInt64(refreshAfter.components.seconds) * 1_000_000_000
    }

    /// Replaces the teams (tests).
    public func set(_ teams: [Team]) {
        state.withLock { state in
            state.teams = Dictionary(teams.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            state.loadedAtNanos = Clock.nanos()
        }
    }

    /// Every team, ordered by tricode; loads them if needed. Throws when the schedule service
    /// is unreachable and nothing is cached.
    public func all() async throws -> [Team] {
        let cached = state.withLock { $0.loadedAtNanos == nil ? nil : Array($0.teams.values) }
        let teams: [Team]
        if let cached, !cached.isEmpty {
            teams = cached
        } else {
            teams = try await reload()
        }
        return teams.sorted { ($0.tricode, $0.id) < ($1.tricode, $1.id) }
    }

    /// The cached team (no call).
    public func cached(_ id: String) -> Team? {
        state.withLock { $0.teams[id] }
    }

    /// The team, reloading the list when it is not cached (and the cache is not fresh).
    public func team(_ id: String) async throws -> Team? {
        let (known, fresh) = state.withLock { state -> (Team?, Bool) in
            let fresh = state.loadedAtNanos.map { Clock.nanos() &- $0 < refreshNanos } ?? false
            return (state.teams[id], fresh)
        }
        if let known { return known }
        if fresh { return nil }
        return try await reload().first { $0.id == id }
    }

    @discardableResult
    private func reload() async throws -> [Team] {
        guard let schedule else { return state.withLock { Array($0.teams.values) } }
        let teams = try await schedule.listTeams(ListTeamsRequest(), options: CallOptions(timeout: .seconds(5))).teams
        set(teams)
        return teams
    }
}
