public import CourtsideProto
import CourtsideRPC
public import GRPC

/// The teams of the schedule service (`ListTeams`), cached and refreshed when a lookup misses
/// (at most every few seconds), for `/api/teams`, team objects in `/api/games` and the
/// existence check of subscribed teams.
public final class TeamDirectory: Sendable {
    private let cache: ScheduleListCache<Team>

    /// Teams from the schedule service at `client` (nil: only what `set` gives).
    public init(client: GRPCClient?, refreshAfter: Duration = .seconds(5)) {
        cache = ScheduleListCache(client: client, refreshAfter: refreshAfter) {
            try await $0.listTeams(ListTeamsRequest(), options: $1).teams
        }
    }

    /// Replaces the teams (tests).
    public func set(_ teams: [Team]) {
        cache.set(teams)
    }

    /// Every team, ordered by tricode; loads them if needed. Throws when the schedule service
    /// is unreachable and nothing is cached.
    public func all() async throws -> [Team] {
        try await cache.all().sorted { ($0.tricode, $0.id) < ($1.tricode, $1.id) }
    }

    /// The cached team (no call).
    public func cached(_ id: String) -> Team? {
        cache.cached(id)
    }

    /// The team, reloading the list when it is not cached (and the cache is not fresh).
    public func team(_ id: String) async throws -> Team? {
        let (entries, fresh) = cache.lookup([id])
        if let known = entries[0] { return known }
        if fresh { return nil }
        return try await cache.reload().first { $0.id == id }
    }
}
