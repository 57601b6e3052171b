import CourtsideDomain
public import CourtsideProto
internal import GRDB
public import Storage

/// The schedule in SQLite (GRDB): a file in WAL mode with synchronous commits, or a database in
/// memory. Writes are serialised by GRDB's single writer; reads of a file run concurrently.
public final class SQLiteScheduleStore: ScheduleStore {
    private let writer: any DatabaseWriter
    private let changeLogLength: Int

    /// Opens (creating if needed) the database at `location`, migrates it and makes sure the
    /// seeded leagues' teams (``SeedTeams/messages``) are present.
    /// - Parameters:
    ///   - location: `.sqliteFile` or `.sqliteMemory`.
    ///   - changeLogLength: how many changes the change log keeps.
    public init(location: StorageLocation, changeLogLength: Int = ScheduleStores.defaultChangeLogLength) throws {
        self.changeLogLength = changeLogLength
        guard !location.isPostgres else {
            throw ScheduleStoreError("SQLiteScheduleStore cannot open \(location)")
        }
        writer = try SQLiteStorage.open(location, migrations: ScheduleSchema.sqlite)
        try writer.write { db in try Self.write(SeedTeams.messages, db) }
    }

    // MARK: ScheduleStore (documented on the protocol)

    public func teams() async throws -> [Team] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: ScheduleSchema.selectTeamsSQL).map { row in
                ScheduleSchema.team((0..<9).map { row[$0] })
            }
        }
    }

    public func upsert(teams: [Team]) async throws {
        guard !teams.isEmpty else { return }
        try await writer.write { db in try Self.write(teams, db) }
    }

    public func game(id: String) async throws -> Game? {
        try await games(ids: [id]).first
    }

    public func games(ids: [String]) async throws -> [Game] {
        let games = try await writer.read { db in try Self.fetch(db, ids: ids) }
        return games.values.sorted { GameKey($0) < GameKey($1) }
    }

    public func games(matching filter: GameFilter, after key: GameKey?, limit: Int) async throws -> [Game] {
        let query = GameSQL.select(filter: filter, after: key, limit: limit) { _ in "?" }
        let arguments = StatementArguments(query.binds.map(Self.databaseValue))
        return try await writer.read { db in
            try Row.fetchAll(db, sql: query.sql, arguments: arguments).map { Self.game($0) }
        }
    }

    public func gameCountsByStatus() async throws -> [GameStatus: Int] {
        try await writer.read { db in
            var counts: [GameStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM schedule_games GROUP BY status") {
                counts[GameStatus(rawValue: row[0])] = row[1]
            }
            return counts
        }
    }

    public func modify<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [Game], result: Result)
    ) async throws -> Result {
        let sql = """
            INSERT INTO schedule_games (id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, updated_at_ms, league_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            \(ScheduleSchema.gameConflictClause)
            """
        let logSQL = """
            INSERT INTO schedule_changes (id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, changed_at_ms, league_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        let pruneSQL = GameSQL.pruneChanges { _ in "?" }
        let keep = Int64(changeLogLength)
        return try await writer.write { db in
            let existing = try Self.fetch(db, ids: ids)
            let (writes, result) = try plan(existing)
            guard !writes.isEmpty else { return result }
            let now = ScheduleSchema.nowMilliseconds()
            let statement = try db.cachedStatement(sql: sql)
            let log = try db.cachedStatement(sql: logSQL)
            for game in writes {
                let arguments: StatementArguments = [
                    game.id, game.homeTeamId, game.awayTeamId, game.startTimeMs, game.date, game.venue,
                    game.status.rawValue, Int64(bitPattern: game.revision), now, game.leagueId,
                ]
                try statement.execute(arguments: arguments)
                try log.execute(arguments: arguments)
            }
            try db.execute(sql: pruneSQL[0], arguments: [keep, keep])
            try db.execute(sql: pruneSQL[1])
            return result
        }
    }

    public func latestChangeSequence() async throws -> Int64 {
        try await writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM schedule_changes") ?? 0
        }
    }

    public func changes(after sequence: Int64, limit: Int) async throws -> LoggedChanges {
        let sql = GameSQL.selectChanges { _ in "?" }
        return try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: [sequence, limit])
            let pruned = try Int64.fetchOne(db, sql: "SELECT pruned_through FROM schedule_change_log") ?? 0
            return LoggedChanges(
                changes: rows.map { row in LoggedChange(sequence: row[0], game: Self.game(row, from: 1)) },
                prunedThrough: pruned
            )
        }
    }

    public func close() async {
        // GRDB closes the database when the last reference to the writer goes away.
    }

    // MARK: Rows

    /// Inserts or refreshes teams.
    private static func write(_ teams: [Team], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: ScheduleSchema.upsertTeamSQL { _ in "?" })
        for team in teams {
            try statement.execute(arguments: StatementArguments(ScheduleSchema.teamValues(team)))
        }
    }

    /// The stored games with these ids, by id (in chunks: SQLite limits the number of binds).
    private static func fetch(_ db: Database, ids: [String]) throws -> [String: Game] {
        var games: [String: Game] = [:]
        var start = ids.startIndex
        while start < ids.endIndex {
            let end = min(start + 500, ids.endIndex)
            let chunk = Array(ids[start..<end])
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(GameSQL.columns) FROM schedule_games WHERE id IN (\(placeholders))",
                arguments: StatementArguments(chunk)
            )
            for row in rows {
                let game = game(row)
                games[game.id] = game
            }
            start = end
        }
        return games
    }

    /// A game from the `GameSQL.columns` of a row, starting at column `first`.
    private static func game(_ row: Row, from first: Int = 0) -> Game {
        let revision: Int64 = row[first + 7]
        return Game(
            id: row[first],
            homeTeamId: row[first + 1],
            awayTeamId: row[first + 2],
            startTimeMs: row[first + 3],
            date: row[first + 4],
            venue: row[first + 5],
            status: GameStatus(rawValue: row[first + 6]),
            revision: UInt64(bitPattern: revision),
            leagueId: row[first + 8]
        )
    }

    private static func databaseValue(_ bind: GameSQL.Bind) -> DatabaseValue {
        switch bind {
        case .text(let text): text.databaseValue
        case .integer(let value): value.databaseValue
        }
    }
}
