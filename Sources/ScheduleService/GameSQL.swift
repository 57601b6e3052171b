import CourtsideProto

/// The SQL both stores share: the schema's column list, and the `ListGames` query built from a
/// filter, a keyset cursor and a limit. Only placeholders differ (`?` for SQLite, `$1` for
/// PostgreSQL), so the two stores filter and order identically.
enum GameSQL {
    /// A value bound to a placeholder.
    enum Bind: Sendable, Equatable {
        case text(String)
        case integer(Int64)
    }

    /// Columns in the order every `SELECT` returns them (see the stores' row decoders).
    static let columns = "id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, league_id"

    /// The games table (prefixed: services may share one PostgreSQL database).
    static let gamesTable = "schedule_games"
    /// The teams table.
    static let teamsTable = "schedule_teams"

    /// Reads the change log after a sequence number (placeholders: after, limit).
    static func selectChanges(placeholder: (Int) -> String) -> String {
        """
        SELECT seq, \(columns) FROM schedule_changes WHERE seq > \(placeholder(1)) ORDER BY seq LIMIT \(placeholder(2))
        """
    }

    /// Prunes the log to `keep` entries and records how far (placeholder: keep), in two
    /// statements run in the write transaction.
    static func pruneChanges(placeholder: (Int) -> String) -> [String] {
        [
            """
            UPDATE schedule_change_log SET pruned_through = (SELECT MAX(seq) FROM schedule_changes) - \(placeholder(1))
            WHERE (SELECT MAX(seq) FROM schedule_changes) - \(placeholder(1)) > pruned_through
            """,
            "DELETE FROM schedule_changes WHERE seq <= (SELECT pruned_through FROM schedule_change_log)",
        ]
    }

    /// A `SELECT` of games matching `filter` after `key`, ordered by (start_time_ms, id).
    /// - Parameter placeholder: the placeholder text for the n-th bind (1-based).
    static func select(
        filter: GameFilter,
        after key: GameKey?,
        limit: Int,
        placeholder: (Int) -> String
    ) -> (sql: String, binds: [Bind]) {
        var binds: [Bind] = []
        func bind(_ value: Bind) -> String {
            binds.append(value)
            return placeholder(binds.count)
        }
        var conditions: [String] = []
        if let from = filter.dateFrom {
            conditions.append("date >= \(bind(.text(from)))")
        }
        if let to = filter.dateTo {
            conditions.append("date <= \(bind(.text(to)))")
        }
        if !filter.teamIDs.isEmpty {
            let home = filter.teamIDs.map { bind(.text($0)) }.joined(separator: ", ")
            let away = filter.teamIDs.map { bind(.text($0)) }.joined(separator: ", ")
            conditions.append("(home_team_id IN (\(home)) OR away_team_id IN (\(away)))")
        }
        if !filter.leagueIDs.isEmpty {
            let leagues = filter.leagueIDs.map { bind(.text($0)) }.joined(separator: ", ")
            conditions.append("league_id IN (\(leagues))")
        }
        if !filter.statuses.isEmpty {
            let statuses = filter.statuses.map { bind(.integer(Int64($0.rawValue))) }.joined(separator: ", ")
            conditions.append("status IN (\(statuses))")
        }
        if let key {
            // A row-value comparison: both SQLite (3.15+) and PostgreSQL use the (start_time_ms,
            // id) index for it.
            let start = bind(.integer(key.startTimeMs))
            let id = bind(.text(key.id))
            conditions.append("(start_time_ms, id) > (\(start), \(id))")
        }
        var sql = "SELECT \(columns) FROM \(gamesTable)"
        if !conditions.isEmpty {
            sql += " WHERE " + conditions.joined(separator: " AND ")
        }
        sql += " ORDER BY start_time_ms, id LIMIT \(bind(.integer(Int64(limit))))"
        return (sql, binds)
    }
}
