import Foundation
public import GRDB

/// Opens SQLite databases with GRDB.
///
/// Why GRDB for SQLite: it uses Debian's libsqlite3, gives a `DatabasePool` (WAL mode, one
/// writer and concurrent readers — exactly the "one writer per game" shape of the score log),
/// and runs a whole transaction as one synchronous closure on its own queue, so a batch of
/// inserts costs one thread hop instead of one per statement (sqlite-nio's model).
public enum SQLiteStorage {
    /// Opens (creating if needed) the database and runs the migrations.
    /// - Parameters:
    ///   - location: `.sqliteFile` or `.sqliteMemory`.
    ///   - migrations: named steps, applied once each, in order.
    public static func open(_ location: StorageLocation, migrations: [(name: String, sql: String)]) throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Durable on commit: an acknowledged write survives a crash of the process or the machine.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let writer: any DatabaseWriter
        switch location {
        case .sqliteMemory:
            writer = try DatabaseQueue(configuration: configuration)
        case .sqliteFile(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            writer = try DatabasePool(path: path, configuration: configuration)
        case .postgres:
            preconditionFailure("SQLiteStorage.open called with a PostgreSQL location")
        }
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        try migrator.migrate(writer)
        return writer
    }
}
