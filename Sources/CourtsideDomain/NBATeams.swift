public import CourtsideProto

/// The NBA's seed teams (``SeedTeams/nba``), under the names the NBA-only feeds and tests use.
public enum NBATeams {
    /// All 30 teams, ordered by tricode.
    public static var all: [SeedTeam] { SeedTeams.nba.all }

    /// The tricodes of all teams (their ids), for validation.
    public static let ids: Set<String> = SeedTeams.nba.ids

    /// All 30 teams as the schedule service stores and serves them, ordered by id.
    public static let messages: [Team] = SeedTeams.nba.all.map(\.message)

    /// The team with this tricode ("BOS"), or nil.
    public static func team(tricode: String) -> SeedTeam? {
        SeedTeams.nba.team(tricode: tricode)
    }

    /// The team a provider's abbreviation names ("GS" → GSW, "BOS" → BOS), or nil.
    public static func lookup(abbreviation: String) -> SeedTeam? {
        SeedTeams.nba.lookup(abbreviation: abbreviation)
    }

    /// The team a full name ("Golden State Warriors") or a nickname ("Pelicans") names, or nil.
    public static func lookup(name: String) -> SeedTeam? {
        SeedTeams.nba.lookup(name: name)
    }
}
