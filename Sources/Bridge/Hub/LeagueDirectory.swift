public import CourtsideProto
import CourtsideRPC
public import EventRelay
public import GRPC
import Synchronization

/// The leagues of the schedule service (`ListLeagues`), cached and reloaded when a lookup
/// misses (at most every few seconds), for `/api/leagues` and the existence check of the
/// leagues a request filters by.
public final class LeagueDirectory: Sendable {
    private struct State {
        var leagues: [String: League] = [:]
        var loadedAtNanos: UInt64?
    }

    private let schedule: ScheduleServiceClient?
    private let state = Mutex(State())
    private let refreshNanos: UInt64

    /// Leagues from the schedule service at `client` (nil: only what `set` gives).
    public init(client: GRPCClient?, refreshAfter: Duration = .seconds(5)) {
        self.schedule = client.map { ScheduleServiceClient($0) }
        self.refreshNanos = UInt64(refreshAfter.components.seconds) * 1_000_000_000
    }

    /// Replaces the leagues (tests).
    public func set(_ leagues: [League]) {
        state.withLock { state in
            state.leagues = Dictionary(leagues.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            state.loadedAtNanos = Clock.nanos()
        }
    }

    /// Every league, ordered by id; loads them if needed. Throws when the schedule service is
    /// unreachable and nothing is cached.
    public func all() async throws -> [League] {
        let cached = state.withLock { $0.loadedAtNanos == nil ? nil : Array($0.leagues.values) }
        let leagues: [League]
        if let cached, !cached.isEmpty {
            leagues = cached
        } else {
            leagues = try await reload()
        }
        return leagues.sorted { $0.id < $1.id }
    }

    /// The ids of `ids` that name no league, in the order given, each once (reloads the list
    /// once when one is not cached and the cache is not fresh).
    public func unknown(_ ids: [String]) async throws -> [String] {
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        let (missing, fresh) = state.withLock { state -> ([String], Bool) in
            let fresh = state.loadedAtNanos.map { Clock.nanos() &- $0 < refreshNanos } ?? false
            return (unique.filter { state.leagues[$0] == nil }, fresh)
        }
        if missing.isEmpty || fresh { return missing }
        let known = Set(try await reload().map(\.id))
        return missing.filter { !known.contains($0) }
    }

    @discardableResult
    private func reload() async throws -> [League] {
        guard let schedule else { return state.withLock { Array($0.leagues.values) } }
        let leagues = try await schedule.listLeagues(ListLeaguesRequest(), options: CallOptions(timeout: .seconds(5))).leagues
        set(leagues)
        return leagues
    }

    /// A game's league: the schedule's game, else its home team's league (a game the schedule
    /// cache has not seen yet); "" when neither is known.
    public static func league(ofGame gameId: String, schedule: ScheduleCache, home: String?, teams: TeamDirectory) -> String {
        if let game = schedule.game(gameId), !game.leagueId.isEmpty { return game.leagueId }
        if let home, !home.isEmpty, let team = teams.cached(home) { return team.leagueId }
        return ""
    }
}
