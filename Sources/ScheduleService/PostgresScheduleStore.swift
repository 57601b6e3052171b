import CourtsideDomain
public import CourtsideProto
public import Logging
internal import PostgresNIO
public import Storage

/// The schedule in PostgreSQL (postgres-nio connection pool), for production.
///
/// Every write takes a transaction-scoped advisory lock first, so writes from any number of
/// processes sharing the database are serialised exactly like SQLite's single writer: a status
/// change always checks the state machine against the latest committed status.
public final class PostgresScheduleStore: ScheduleStore {
    /// The advisory lock key of schedule writes ("schedule" in the 727_1xx_xxx Courtside range).
    static let writeLockKey: Int64 = 727_100_002

    private let storage: PostgresStorage
    private let logger: Logger
    private let changeLogLength: Int

    /// Connects, migrates the schema and makes sure the seeded leagues' teams
    /// (``SeedTeams/messages``) are present.
    /// - Parameters:
    ///   - settings: the server and database.
    ///   - changeLogLength: how many changes the change log keeps.
    ///   - logger: for the connections and queries.
    public init(
        settings: StorageLocation.PostgresSettings,
        changeLogLength: Int = ScheduleStores.defaultChangeLogLength,
        logger: Logger
    ) async throws {
        let storage = try await PostgresStorage(settings, migrations: ScheduleSchema.postgres, logger: logger)
        self.storage = storage
        self.logger = logger
        self.changeLogLength = changeLogLength
        do {
            try await Self.write(SeedTeams.messages, storage: storage, logger: logger)
        } catch {
            storage.shutdown()
            throw Self.unwrapped(error)
        }
    }

    // MARK: ScheduleStore (documented on the protocol)

    public func teams() async throws -> [Team] {
        let rows = try await storage.client.query(PostgresQuery(unsafeSQL: ScheduleSchema.selectTeamsSQL), logger: logger)
        var teams: [Team] = []
        for try await (id, tricode, city, name, conference, division, primary, secondary, league) in rows.decode(
            (String, String, String, String, String, String, String, String, String).self
        ) {
            teams.append(ScheduleSchema.team([id, tricode, city, name, conference, division, primary, secondary, league]))
        }
        return teams
    }

    public func upsert(teams: [Team]) async throws {
        guard !teams.isEmpty else { return }
        do {
            try await Self.write(teams, storage: storage, logger: logger)
        } catch {
            throw Self.unwrapped(error)
        }
    }

    public func game(id: String) async throws -> Game? {
        try await games(ids: [id]).first
    }

    public func games(ids: [String]) async throws -> [Game] {
        try await storage.client.withConnection { connection in
            try await Self.fetch(connection, ids: ids, logger: logger).values.sorted { GameKey($0) < GameKey($1) }
        }
    }

    public func games(matching filter: GameFilter, after key: GameKey?, limit: Int) async throws -> [Game] {
        let query = GameSQL.select(filter: filter, after: key, limit: limit) { "$\($0)" }
        var binds = PostgresBindings(capacity: query.binds.count)
        for bind in query.binds {
            switch bind {
            case .text(let text): binds.append(text)
            case .integer(let value): binds.append(value)
            }
        }
        let rows = try await storage.client.query(PostgresQuery(unsafeSQL: query.sql, binds: binds), logger: logger)
        return try await Self.games(rows)
    }

    public func gameCountsByStatus() async throws -> [GameStatus: Int] {
        let rows = try await storage.client.query("SELECT status, COUNT(*) FROM schedule_games GROUP BY status", logger: logger)
        var counts: [GameStatus: Int] = [:]
        for try await (status, count) in rows.decode((Int32, Int64).self) {
            counts[GameStatus(rawValue: status)] = Int(count)
        }
        return counts
    }

    public func modify<Result: Sendable>(
        ids: [String],
        _ plan: @escaping @Sendable ([String: Game]) throws -> (writes: [Game], result: Result)
    ) async throws -> Result {
        let logger = self.logger
        let keep = Int64(changeLogLength)
        do {
            return try await storage.client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.writeLockKey))", logger: logger)
                let existing = try await Self.fetch(connection, ids: ids, logger: logger)
                let (writes, result) = try plan(existing)
                if !writes.isEmpty {
                    try await Self.write(writes, connection: connection, logger: logger)
                    for sql in GameSQL.pruneChanges(placeholder: { "$\($0)" }) {
                        var binds = PostgresBindings()
                        if sql.contains("$1") { binds.append(keep) }
                        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                    }
                }
                return result
            }
        } catch {
            throw Self.unwrapped(error)
        }
    }

    public func latestChangeSequence() async throws -> Int64 {
        let rows = try await storage.client.query("SELECT COALESCE(MAX(seq), 0) FROM schedule_changes", logger: logger)
        for try await sequence in rows.decode(Int64.self) {
            return sequence
        }
        return 0
    }

    public func changes(after sequence: Int64, limit: Int) async throws -> LoggedChanges {
        var binds = PostgresBindings(capacity: 2)
        binds.append(sequence)
        binds.append(Int64(limit))
        let logger = self.logger
        return try await storage.client.withConnection { connection in
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: GameSQL.selectChanges { "$\($0)" }, binds: binds),
                logger: logger
            )
            var changes: [LoggedChange] = []
            for try await (seq, id, home, away, start, date, venue, status, revision, league) in rows.decode(
                (Int64, String, String, String, Int64, String, String, Int32, Int64, String).self
            ) {
                let game = Game(
                    id: id, homeTeamId: home, awayTeamId: away, startTimeMs: start, date: date, venue: venue,
                    status: GameStatus(rawValue: status), revision: UInt64(bitPattern: revision), leagueId: league
                )
                changes.append(LoggedChange(sequence: seq, game: game))
            }
            // Read after the changes: pruning only moves forward, so a page read before a prune
            // is never reported as complete when it is not.
            var pruned: Int64 = 0
            for try await value in try await connection.query("SELECT pruned_through FROM schedule_change_log", logger: logger).decode(
                Int64.self)
            {
                pruned = value
            }
            return LoggedChanges(changes: changes, prunedThrough: pruned)
        }
    }

    public func close() async {
        storage.shutdown()
    }

    // MARK: Rows

    /// Inserts or refreshes teams, in one transaction.
    private static func write(_ teams: [Team], storage: PostgresStorage, logger: Logger) async throws {
        let sql = ScheduleSchema.upsertTeamSQL { "$\($0)" }
        try await storage.client.withTransaction(logger: logger) { connection in
            for team in teams {
                var binds = PostgresBindings(capacity: 9)
                for value in ScheduleSchema.teamValues(team) { binds.append(value) }
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
        }
    }

    /// Inserts or replaces games in one statement (arrays unnested into rows).
    private static func write(_ games: [Game], connection: PostgresConnection, logger: Logger) async throws {
        let now = ScheduleSchema.nowMilliseconds()
        var binds = PostgresBindings(capacity: 10)
        binds.append(games.map(\.id))
        binds.append(games.map(\.homeTeamId))
        binds.append(games.map(\.awayTeamId))
        binds.append(games.map(\.startTimeMs))
        binds.append(games.map(\.date))
        binds.append(games.map(\.venue))
        binds.append(games.map(\.status.rawValue))
        binds.append(games.map { Int64(bitPattern: $0.revision) })
        binds.append(Array(repeating: now, count: games.count))
        binds.append(games.map(\.leagueId))
        let sql = """
            INSERT INTO schedule_games (id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, updated_at_ms, league_id)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::integer[], $8::bigint[], $9::bigint[], $10::text[])
            \(ScheduleSchema.gameConflictClause)
            """
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        // The same rows into the change log; BIGSERIAL numbers them in commit order because
        // every writer holds the advisory lock until it commits.
        let logSQL = """
            INSERT INTO schedule_changes (id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, changed_at_ms, league_id)
            SELECT id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, changed_at_ms, league_id
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::integer[], $8::bigint[], $9::bigint[], $10::text[])
                WITH ORDINALITY AS change(id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, changed_at_ms, league_id, position)
            ORDER BY position
            """
        try await connection.query(PostgresQuery(unsafeSQL: logSQL, binds: binds), logger: logger)
    }

    private static func fetch(_ connection: PostgresConnection, ids: [String], logger: Logger) async throws -> [String: Game] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(
            "SELECT id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, league_id FROM schedule_games WHERE id = ANY(\(ids))",
            logger: logger
        )
        var games: [String: Game] = [:]
        for game in try await Self.games(rows) {
            games[game.id] = game
        }
        return games
    }

    private static func games(_ rows: PostgresRowSequence) async throws -> [Game] {
        var games: [Game] = []
        for try await (id, home, away, start, date, venue, status, revision, league) in rows.decode(
            (String, String, String, Int64, String, String, Int32, Int64, String).self
        ) {
            games.append(
                Game(
                    id: id, homeTeamId: home, awayTeamId: away, startTimeMs: start, date: date, venue: venue,
                    status: GameStatus(rawValue: status), revision: UInt64(bitPattern: revision), leagueId: league
                )
            )
        }
        return games
    }

    /// The error a transaction's body threw (a refused status change, say), rather than the
    /// wrapper postgres-nio puts around it.
    private static func unwrapped(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error
        }
        return error
    }
}
