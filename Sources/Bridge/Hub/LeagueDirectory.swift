public import CourtsideProto
import CourtsideRPC
public import EventRelay
public import GRPC

/// The leagues of the schedule service (`ListLeagues`), cached and reloaded when a lookup
/// misses (at most every few seconds), for `/api/leagues` and the existence check of the
/// leagues a request filters by.
public final class LeagueDirectory: Sendable {
    private let cache: ScheduleListCache<League>

    /// Leagues from the schedule service at `client` (nil: only what `set` gives).
    public init(client: GRPCClient?, refreshAfter: Duration = .seconds(5)) {
        cache = ScheduleListCache(client: client, refreshAfter: refreshAfter) {
            try await $0.listLeagues(ListLeaguesRequest(), options: $1).leagues
        }
    }

    /// Replaces the leagues (tests).
    public func set(_ leagues: [League]) {
        cache.set(leagues)
    }

    /// Every league, ordered by id; loads them if needed. Throws when the schedule service is
    /// unreachable and nothing is cached.
    public func all() async throws -> [League] {
        try await cache.all().sorted { $0.id < $1.id }
    }

    /// The ids of `ids` that name no league, in the order given, each once (reloads the list
    /// once when one is not cached and the cache is not fresh).
    public func unknown(_ ids: [String]) async throws -> [String] {
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        let (entries, fresh) = cache.lookup(unique)
        let missing = zip(unique, entries).filter { $0.1 == nil }.map(\.0)
        if missing.isEmpty || fresh { return missing }
        let known = Set(try await cache.reload().map(\.id))
        return missing.filter { !known.contains($0) }
    }

    /// A game's league: the schedule's game, else its home team's league (a game the schedule
    /// cache has not seen yet); "" when neither is known.
    public static func league(ofGame gameId: String, schedule: ScheduleCache, home: String?, teams: TeamDirectory) -> String {
        if let game = schedule.game(gameId), !game.leagueId.isEmpty { return game.leagueId }
        if let home, !home.isEmpty, let team = teams.cached(home) { return team.leagueId }
        return ""
    }
}
