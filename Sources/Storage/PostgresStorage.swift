public import Logging
internal import NIOSSL
public import PostgresNIO
import Synchronization
import WatchedFiles

/// A PostgreSQL connection pool (postgres-nio) with its lifetime and schema migrations.
///
/// Why postgres-nio: it is the asynchronous, pure-Swift PostgreSQL client of the server-side
/// Swift ecosystem, runs on the same NIO event loops as our servers, pools connections and
/// supports transactions with prepared-statement binds; no blocking libpq thread pool needed.
///
/// The `sslrootcert` CA bundle is a ``WatchedFile``: when it changes (a CA rotated in a mounted
/// Secret), new queries go to a new pool whose connections verify the server with the new
/// bundle. postgres-nio builds a pool's TLS context once, so the pool is what is replaced; the
/// previous pool keeps its connections for the settings' `retiredPoolGrace` (the queries
/// running on it finish) and is then shut down. A changed bundle that cannot be used keeps the previous one in
/// force and is logged as an error, as every watched file.
public final class PostgresStorage: Sendable {
    /// The pool new queries go to: the one built for the CA bundle in force.
    public var client: PostgresClient { currentPool() }

    private let settings: StorageLocation.PostgresSettings
    private let logger: Logger
    /// The `sslrootcert` bundle; nil without one (or without TLS).
    private let rootCertificates: WatchedFile<[NIOSSLCertificate]>?
    private let pools: Mutex<Pools>

    private struct Pools: Sendable {
        var client: PostgresClient
        /// The TLS its connections use (tests connect with it directly).
        var tls: TLSConfiguration?
        var run: Task<Void, Never>
        /// The bundle's version the client was built with.
        var version: Int
        /// Earlier pools' run tasks, cancelled after the grace or at shutdown.
        var retired: [Task<Void, Never>] = []
        var shutDown = false
    }

    /// Connects (lazily, through the pool) and runs the migrations. A migration may hold several
    /// statements separated by `;` (none may contain a `;` inside a literal). `caCheckInterval`:
    /// how often the `sslrootcert` file is checked for changes (nil: never).
    public init(
        _ settings: StorageLocation.PostgresSettings, migrations: [(name: String, sql: String)], logger: Logger,
        caCheckInterval: Duration? = .seconds(5)
    ) async throws {
        self.settings = settings
        self.logger = logger
        var certificates: [NIOSSLCertificate]?
        if settings.sslMode != .disable && settings.sslMode != .require, let file = settings.sslRootCertificateFile {
            let watched: WatchedFile<[NIOSSLCertificate]>
            do {
                watched = try WatchedFile(
                    name: "PostgreSQL CA bundle (sslrootcert)", paths: [file], interval: caCheckInterval, logger: logger
                ) {
                    contents in try PostgresTLS.rootCertificates(pem: contents[0])
                }
            } catch {
                throw PostgresTLS.Unusable(description: "sslrootcert '\(file)' cannot be used: \(error.description)")
            }
            rootCertificates = watched
            certificates = watched.value
        } else {
            rootCertificates = nil
        }
        let client = Self.makeClient(settings, rootCertificates: certificates, logger: logger)
        let run = Task { await client.run() }
        let tls = PostgresTLS.tlsConfiguration(for: settings, rootCertificates: certificates)
        pools = Mutex(Pools(client: client, tls: tls, run: run, version: rootCertificates?.version ?? 0))
        do {
            try await Self.migrate(client: client, migrations: migrations, logger: logger)
        } catch {
            run.cancel()
            throw error
        }
    }

    /// Stops the pools (their connections close).
    public func shutdown() {
        let tasks = pools.withLock { pools in
            pools.shutDown = true
            return [pools.run] + pools.retired
        }
        for task in tasks { task.cancel() }
    }

    /// Checks the CA bundle now (it is also checked every `caCheckInterval`); tests use it.
    @discardableResult
    func reloadRootCertificatesIfChanged() async -> WatchedFileOutcome {
        await rootCertificates?.check() ?? .unchanged
    }

    /// Retired pools not yet shut down (tests watch the grace with it).
    var retiredPoolsOpen: Int {
        pools.withLock { pools in pools.retired.filter { !$0.isCancelled }.count }
    }

    /// The TLS the connections of ``client`` use.
    var connectionTLS: TLSConfiguration? {
        _ = client
        return pools.withLock { $0.tls }
    }

    /// The pool for the bundle in force: an atomic load when it has not changed, else a new pool
    /// (the previous one retired).
    private func currentPool() -> PostgresClient {
        guard let rootCertificates else { return pools.withLock { $0.client } }
        let seen = rootCertificates.version
        if let client = pools.withLock({ $0.version == seen ? $0.client : nil }) { return client }
        let (certificates, version) = rootCertificates.current
        return pools.withLock { pools in
            guard version > pools.version, !pools.shutDown else { return pools.client }
            let client = Self.makeClient(settings, rootCertificates: certificates, logger: logger)
            let previous = pools.run
            pools.retired.removeAll { $0.isCancelled }
            pools.retired.append(previous)
            pools.client = client
            pools.tls = PostgresTLS.tlsConfiguration(for: settings, rootCertificates: certificates)
            pools.run = Task { await client.run() }
            pools.version = version
            let grace = settings.retiredPoolGrace
            Task {
                try? await Task.sleep(for: grace)
                previous.cancel()
            }
            logger.info(
                "PostgreSQL CA bundle changed: new connections verify the server with it; the previous pool closes after its queries",
                metadata: [
                    "sslrootcert": "\(settings.sslRootCertificateFile ?? "")",
                    "grace_seconds": "\(Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18)",
                ]
            )
            return client
        }
    }

    private static func makeClient(_ settings: StorageLocation.PostgresSettings, rootCertificates: [NIOSSLCertificate]?, logger: Logger)
        -> PostgresClient
    {
        let configuration = PostgresClient.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: PostgresTLS.configuration(for: settings, rootCertificates: rootCertificates)
        )
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
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
