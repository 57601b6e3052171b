import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC

/// Checks the league ids of a filter (`ListGames`, `ListTeams`, `WatchGames`).
public enum LeagueFilter {
    /// The leagues named, each checked: malformed is INVALID_ARGUMENT, unknown NOT_FOUND, both
    /// naming the field (`league_ids[1]`); see ``FieldCheck/leagueIDs(_:field:known:)``.
    public static func validate(_ ids: [String]) throws(RPCError) -> Set<String> {
        try FieldCheck.leagueIDs(ids, field: "league_ids", known: Leagues.all.map(\.id))
    }

    /// Whether a game belongs to one of `leagues` (all games when it is empty), as `ListGames`
    /// decides it (stored games always carry their league).
    public static func matches(_ game: Game, _ leagues: Set<String>) -> Bool {
        leagues.isEmpty || leagues.contains(game.leagueId)
    }
}
