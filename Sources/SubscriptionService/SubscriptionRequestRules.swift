import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC

/// The subscription service's own request rules (beside the shared ``FieldCheck``): names,
/// filters, and the errors that name what does not exist.
enum SubscriptionRequestRules {
    /// The format and number of a filter's ids (their existence is checked by the handler).
    static func checkFields(of filter: SubscriptionFilter) throws(RPCError) {
        try FieldCheck.count(filter.gameIds.count, field: "filter.game_ids", maximum: RequestLimits.gameIDsPerRequest)
        for (index, gameId) in filter.gameIds.enumerated() {
            try FieldCheck.gameID(gameId, field: "filter.game_ids[\(index)]")
        }
        try FieldCheck.count(filter.teamIds.count, field: "filter.team_ids", maximum: RequestLimits.teamIDsPerRequest)
        for (index, teamId) in filter.teamIds.enumerated() {
            try FieldCheck.teamID(teamId, field: "filter.team_ids[\(index)]")
        }
        _ = try checkLeagues(of: filter)
    }

    /// The filter's leagues: at most ``RequestLimits/leagueIDsPerRequest``, each well formed
    /// (INVALID_ARGUMENT) and known (NOT_FOUND), as `ListGames` checks them.
    static func checkLeagues(of filter: SubscriptionFilter) throws(RPCError) -> Set<String> {
        try FieldCheck.leagueIDs(filter.leagueIds, field: "filter.league_ids", known: Leagues.all.map(\.id))
    }

    /// A game or team of another league than the filter's: INVALID_ARGUMENT (it would never
    /// deliver anything).
    static func otherLeague(_ kind: String, _ id: String, league: String, field: String, filter: RelayFilter) -> RPCError {
        RPCError(
            .invalidArgument,
            "\(field): \(kind) '\(FieldCheck.shown(id))' is of league \(league), not of filter.league_ids (\(filter.leagueIds.sorted().joined(separator: ", ")))"
        )
    }

    /// Subscription names: 1–64 bytes of ASCII letters, digits, '.', '_' and '-'.
    static func checkName(_ name: String, field: String) throws(RPCError) {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
        guard !name.isEmpty, name.utf8.count <= RequestLimits.subscriptionNameBytes, allowed else {
            throw RPCError(
                .invalidArgument,
                "\(field): subscription names are 1–\(RequestLimits.subscriptionNameBytes) characters of letters, digits, '.', '_' and '-' (got '\(FieldCheck.shown(name))')"
            )
        }
    }

    static func noSubscription(_ name: String) -> RPCError {
        RPCError(.notFound, "no subscription named '\(name)'")
    }

    static func unknownGame(_ gameId: String, field: String) -> RPCError {
        RPCError(.notFound, "\(field): unknown game '\(gameId)'")
    }
}
