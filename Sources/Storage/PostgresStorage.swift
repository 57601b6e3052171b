public import Logging
public import PostgresNIO

/// A PostgreSQL connection pool (postgres-nio) with its lifetime and schema migrations.
///
/// Why postgres-nio: it is the asynchronous, pure-Swift PostgreSQL client of the server-side
/// Swift ecosystem, runs on the same NIO event loops as our servers, pools connections and
/// supports transactions with prepared-statement binds; no blocking libpq thread pool needed.
public final class PostgresStorage: Sendable {
    public let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// Connects (lazily, through the pool) and runs the migrations. A migration may hold several
    /// statements separated by `;` (none may contain a `;` inside a literal).
    public init(_ settings: StorageLocation.PostgresSettings, migrations: [(name: String, sql: String)], logger: Logger) async throws {
        let configuration = PostgresClient.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: try PostgresTLS.configuration(for: settings)
        )
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.runTask = Task { await client.run() }
        do {
            try await Self.migrate(client: client, migrations: migrations, logger: logger)
        } catch {
            runTask.cancel()
            throw error
        }
    }

    /// Stops the pool (its connections close).
    public func shutdown() {
        runTask.cancel()
    }

    private static func migrate(client: PostgresClient, migrations: [(name: String, sql: String)], logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            // One migrator at a time across replicas.
            try await connection.query("SELECT pg_advisory_xact_lock(727100001)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger
            )
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for (name, sql) in migrations where !applied.contains(name) {
                logger.info("applying migration", metadata: ["migration": "\(name)"])
                // The extended query protocol takes one statement at a time.
                for statement in sql.split(separator: ";") where !statement.allSatisfy({ $0.isWhitespace }) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(name))", logger: logger)
            }
        }
    }
}
