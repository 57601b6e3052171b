import CourtsideProto
import Synchronization

/// The teams the schedule knows, by id: loaded from the store at start, grown by the teams
/// feeds create, and reloaded from the store (at most once a second, ``reloadInterval``) when a
/// request names a team this process has not seen or lists the teams (another replica sharing
/// the database may have created one).
final class TeamDirectory: Sendable {
    private let teams: Mutex<[String: Team]>
    /// When the last reload from the store began; nil before the first.
    private let lastReload = Mutex<ContinuousClock.Instant?>(nil)

    /// The shortest time between two reloads: reads anyone may send (a filter naming unknown
    /// teams, `ListTeams`) cost the store at most one read of the teams a second.
    static let reloadInterval: Duration = .seconds(1)

    init(_ teams: [Team]) {
        self.teams = Mutex(Dictionary(teams.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last }))
    }

    /// Every team, ordered by id.
    var all: [Team] {
        teams.withLock { $0.values.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) } }
    }

    /// The ids of every team.
    var ids: Set<String> {
        teams.withLock { Set($0.keys) }
    }

    /// Each team's league, by team id.
    var leagues: [String: String] {
        teams.withLock { $0.mapValues(\.leagueId) }
    }

    /// Whether every one of these ids is a known team.
    func knows(_ ids: some Sequence<String>) -> Bool {
        teams.withLock { known in ids.allSatisfy { known[$0] != nil } }
    }

    /// Adds the teams `load` reads from the store, unless a reload began less than
    /// ``reloadInterval`` ago.
    func reload(from load: () async throws -> [Team]) async throws {
        let now = ContinuousClock.now
        let due = lastReload.withLock { last in
            if let last, now - last < Self.reloadInterval { return false }
            last = now
            return true
        }
        if due { insert(try await load()) }
    }

    /// Adds or replaces teams.
    func insert(_ added: [Team]) {
        teams.withLock { known in
            for team in added { known[team.id] = team }
        }
    }
}
