import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC

/// Which games a `ListGames` call asks for, checked and normalised.
public struct GameFilter: Sendable, Hashable {
    /// First game date included ("YYYY-MM-DD"), nil for no lower bound.
    public var dateFrom: String?
    /// Last game date included ("YYYY-MM-DD"), nil for no upper bound.
    public var dateTo: String?
    /// Games in which any of these teams play (home or away), sorted; empty for all teams.
    public var teamIDs: [String]
    /// Games in any of these statuses, sorted; empty for all statuses.
    public var statuses: [GameStatus]
    /// Games of any of these leagues, sorted; empty for all leagues.
    public var leagueIDs: [String]

    /// A filter; team ids, statuses and leagues are de-duplicated and sorted.
    public init(
        dateFrom: String? = nil,
        dateTo: String? = nil,
        teamIDs: [String] = [],
        statuses: [GameStatus] = [],
        leagueIDs: [String] = []
    ) {
        self.dateFrom = dateFrom
        self.dateTo = dateTo
        self.teamIDs = Array(Set(teamIDs)).sorted()
        self.statuses = Array(Set(statuses)).sorted { $0.rawValue < $1.rawValue }
        self.leagueIDs = Array(Set(leagueIDs)).sorted()
    }

    /// Every game.
    public static let all = GameFilter()

    /// The filter of a `ListGamesRequest`.
    /// - Throws: `RPCError(.invalidArgument)` for a malformed date, a range that ends before it
    ///   starts, a malformed team or league id, an unspecified status or too many of them;
    ///   `RPCError(.notFound)` for an unknown team or league; each naming the field.
    public init(validating request: ListGamesRequest, teamIDs knownTeams: Set<String>) throws(RPCError) {
        for (field, date) in [("date_from", request.dateFrom), ("date_to", request.dateTo)] where !date.isEmpty {
            guard GameDate.isCalendarDate(date) else {
                throw RPCError(.invalidArgument, "\(field): \"\(FieldCheck.shown(date))\" is not a calendar date written YYYY-MM-DD")
            }
        }
        if !request.dateFrom.isEmpty, !request.dateTo.isEmpty, request.dateFrom > request.dateTo {
            throw RPCError(.invalidArgument, "date_to: \(request.dateTo) is before date_from \(request.dateFrom)")
        }
        try FieldCheck.count(request.teamIds.count, field: "team_ids", maximum: RequestLimits.teamIDsPerRequest)
        for (index, team) in request.teamIds.enumerated() {
            try GameValidation.validate(teamID: team, field: "team_ids[\(index)]", teamIDs: knownTeams)
        }
        try FieldCheck.count(request.statuses.count, field: "statuses", maximum: RequestLimits.statusesPerRequest)
        for (index, status) in request.statuses.enumerated() {
            try GameValidation.validate(status: status, field: "statuses[\(index)]")
        }
        let leagues = try LeagueFilter.validate(request.leagueIds)
        self.init(
            dateFrom: request.dateFrom.isEmpty ? nil : request.dateFrom,
            dateTo: request.dateTo.isEmpty ? nil : request.dateTo,
            teamIDs: request.teamIds,
            statuses: request.statuses,
            leagueIDs: Array(leagues)
        )
    }

    /// Whether `game` passes the filter (the same rule the stores apply in SQL).
    public func matches(_ game: Game) -> Bool {
        if let dateFrom, game.date < dateFrom { return false }
        if let dateTo, game.date > dateTo { return false }
        if !teamIDs.isEmpty, !teamIDs.contains(game.homeTeamId), !teamIDs.contains(game.awayTeamId) { return false }
        if !statuses.isEmpty, !statuses.contains(game.status) { return false }
        if !leagueIDs.isEmpty, !leagueIDs.contains(game.leagueId) { return false }
        return true
    }

    /// A 64-bit FNV-1a hash of the normalised filter, carried in page tokens so that a token is
    /// only accepted with the filter that produced it.
    var fingerprint: UInt64 {
        var parts = [
            dateFrom ?? "",
            dateTo ?? "",
            teamIDs.joined(separator: ","),
            statuses.map { String($0.rawValue) }.joined(separator: ","),
        ]
        // Only when set, so that tokens issued before leagues existed stay valid.
        if !leagueIDs.isEmpty { parts.append(leagueIDs.joined(separator: ",")) }
        let canonical = parts.joined(separator: "|")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonical.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// A game's place in the order every listing uses: by start time, then by id.
public struct GameKey: Sendable, Hashable, Comparable {
    /// The game's `start_time_ms`.
    public var startTimeMs: Int64
    /// The game's id.
    public var id: String

    /// A key from its parts.
    public init(startTimeMs: Int64, id: String) {
        self.startTimeMs = startTimeMs
        self.id = id
    }

    /// The key of `game`.
    public init(_ game: Game) {
        self.init(startTimeMs: game.startTimeMs, id: game.id)
    }

    /// Ids compare by their UTF-8 bytes, as SQLite's BINARY and PostgreSQL's "C" collations do.
    public static func < (lhs: GameKey, rhs: GameKey) -> Bool {
        if lhs.startTimeMs != rhs.startTimeMs { return lhs.startTimeMs < rhs.startTimeMs }
        return lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8)
    }
}
