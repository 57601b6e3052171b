import CourtsideDomain
import CourtsideProto
import CourtsideRPC
public import GRPC

/// Checks the league ids of a filter (`ListGames`, `ListTeams`).
public enum LeagueFilter {
    /// The leagues named, each checked: malformed is INVALID_ARGUMENT, unknown NOT_FOUND, both
    /// naming the field (`league_ids[1]`).
    public static func validate(_ ids: [String]) throws(RPCError) -> Set<String> {
        try FieldCheck.count(ids.count, field: "league_ids", maximum: Leagues.all.count * 4)
        for (index, id) in ids.enumerated() {
            let field = "league_ids[\(index)]"
            if let problem = FieldCheck.identifierProblem(id, maximumBytes: RequestLimits.teamIDBytes) {
                throw RPCError(.invalidArgument, "\(field): \(problem)")
            }
            guard Leagues.ids.contains(id) else {
                throw RPCError(
                    .notFound,
                    "\(field): \"\(FieldCheck.shown(id))\" is not a known league (\(Leagues.all.map(\.id).joined(separator: ", ")))"
                )
            }
        }
        return Set(ids)
    }
}
