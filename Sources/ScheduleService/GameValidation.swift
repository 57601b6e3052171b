public import CourtsideProto
public import GRPC

/// Checks games and ids from requests before anything is stored. Every failure is
/// `INVALID_ARGUMENT` with a message naming the game (its index in the request and its id) and
/// the field: `games[2] (id "nba-1"): home_team_id "XYZ" is not a known team`.
public enum GameValidation {
    /// Longest game id accepted, in UTF-8 bytes.
    public static let maximumIDLength = 128
    /// Longest venue accepted, in UTF-8 bytes.
    public static let maximumVenueLength = 200

    /// Checks a whole `UpsertGames` batch: each game, and no id twice.
    /// - Parameters:
    ///   - games: the games of the request, in order.
    ///   - teamIDs: the ids of the known teams.
    ///   - maximumCount: most games one request may carry.
    public static func validate(batch games: [Game], teamIDs: Set<String>, maximumCount: Int) throws(RPCError) {
        guard games.count <= maximumCount else {
            throw RPCError(.invalidArgument, "games: \(games.count) games in one request, at most \(maximumCount) are accepted")
        }
        var seen: [String: Int] = [:]
        for (index, game) in games.enumerated() {
            try validate(game, index: index, teamIDs: teamIDs)
            if let first = seen[game.id] {
                throw RPCError(.invalidArgument, "games[\(index)] (id \"\(game.id)\"): id: the same game is also games[\(first)]")
            }
            seen[game.id] = index
        }
    }

    /// Checks one game. `index` is its position in the request (for the message).
    public static func validate(_ game: Game, index: Int, teamIDs: Set<String>) throws(RPCError) {
        let prefix = game.id.isEmpty ? "games[\(index)]" : "games[\(index)] (id \"\(game.id)\")"
        func invalid(_ field: String, _ why: String) -> RPCError {
            RPCError(.invalidArgument, "\(prefix): \(field): \(why)")
        }
        if let problem = idProblem(game.id) { throw invalid("id", problem) }
        guard !game.homeTeamId.isEmpty else { throw invalid("home_team_id", "must not be empty") }
        guard teamIDs.contains(game.homeTeamId) else { throw invalid("home_team_id", "\"\(game.homeTeamId)\" is not a known team") }
        guard !game.awayTeamId.isEmpty else { throw invalid("away_team_id", "must not be empty") }
        guard teamIDs.contains(game.awayTeamId) else { throw invalid("away_team_id", "\"\(game.awayTeamId)\" is not a known team") }
        guard game.homeTeamId != game.awayTeamId else {
            throw invalid("away_team_id", "a team cannot play itself (home and away are both \"\(game.homeTeamId)\")")
        }
        guard game.startTimeMs > 0 else {
            throw invalid("start_time_ms", "must be a positive number of milliseconds since the Unix epoch (got \(game.startTimeMs))")
        }
        guard GameDate.isCalendarDate(game.date) else {
            throw invalid("date", "\"\(game.date)\" is not a calendar date written YYYY-MM-DD")
        }
        guard game.venue.utf8.count <= maximumVenueLength else {
            throw invalid("venue", "longer than \(maximumVenueLength) bytes")
        }
        guard !game.venue.unicodeScalars.contains(where: isControl) else {
            throw invalid("venue", "contains a control character")
        }
        guard game.status.isSpecified else {
            throw invalid(
                "status",
                game.status == .unspecified
                    ? "must be specified (scheduled, live, halftime, final, postponed or cancelled)"
                    : "\(game.status.rawValue) is not a known status"
            )
        }
    }

    /// Checks a game id given on its own (GetGame, UpdateGameStatus, WatchGames); `field` names
    /// it in the message ("game_id", "game_ids[3]").
    public static func validate(gameID: String, field: String) throws(RPCError) {
        if let problem = idProblem(gameID) {
            throw RPCError(.invalidArgument, "\(field): \(problem)")
        }
    }

    /// Checks a status given on its own (UpdateGameStatus, ListGames filters).
    public static func validate(status: GameStatus, field: String) throws(RPCError) {
        guard status.isSpecified else {
            throw RPCError(
                .invalidArgument,
                status == .unspecified
                    ? "\(field): must be specified (scheduled, live, halftime, final, postponed or cancelled)"
                    : "\(field): \(status.rawValue) is not a known status"
            )
        }
    }

    /// What is wrong with a game id, or nil: non-empty, at most ``maximumIDLength`` bytes, no
    /// spaces or control characters (ids appear in URLs, logs and messages).
    static func idProblem(_ id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        if id.utf8.count > maximumIDLength { return "longer than \(maximumIDLength) bytes" }
        if id.unicodeScalars.contains(where: { $0.properties.isWhitespace || isControl($0) }) {
            return "\"\(id)\" contains a space or a control character"
        }
        return nil
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
