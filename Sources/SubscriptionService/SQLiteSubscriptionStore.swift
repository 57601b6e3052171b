public import CourtsideProto
import CourtsideRPC
import Foundation
import GRDB
import GRPC
public import Storage

/// Durable subscriptions in SQLite (GRDB).
public final class SQLiteSubscriptionStore: SubscriptionStore {
    private let database: any DatabaseWriter

    static let migrations: [(name: String, sql: String)] = [
        (
            "001-subscriptions",
            """
            CREATE TABLE subscriptions (name TEXT PRIMARY KEY, filter BLOB NOT NULL, created_at_ms INTEGER NOT NULL);
            CREATE TABLE subscription_cursors (
                name TEXT NOT NULL REFERENCES subscriptions(name) ON DELETE CASCADE,
                game_id TEXT NOT NULL,
                epoch INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (name, game_id)
            ) WITHOUT ROWID;
            """
        ),
        // Who created each subscription: only they (or an admin) consume, acknowledge or delete it.
        ("002-subscription-owner", "ALTER TABLE subscriptions ADD COLUMN owner TEXT NOT NULL DEFAULT '';"),
    ]

    public init(location: StorageLocation) throws {
        database = try SQLiteStorage.open(location, migrations: Self.migrations)
    }

    public func create(name: String, filter: SubscriptionFilter, owner: String, createdAtMs: Int64, maximumCount: Int) async throws
        -> Subscription
    {
        let encoded = Data(try filter.serializedBytes())
        try await database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM subscriptions WHERE name = ?", arguments: [name]) == true {
                throw RPCError(.alreadyExists, "subscription '\(name)' already exists")
            }
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscriptions") ?? 0 >= maximumCount {
                throw SubscriptionLimit.reached(maximumCount)
            }
            try db.execute(
                sql: "INSERT INTO subscriptions (name, filter, created_at_ms, owner) VALUES (?, ?, ?, ?)",
                arguments: [name, encoded, createdAtMs, owner]
            )
        }
        return Subscription(name: name, filter: filter, createdAtMs: createdAtMs)
    }

    public func get(name: String) async throws -> Subscription? {
        try await database.read { db in try Self.load(db, name: name) }
    }

    public func owner(of name: String) async throws -> String? {
        try await database.read { db in try String.fetchOne(db, sql: "SELECT owner FROM subscriptions WHERE name = ?", arguments: [name]) }
    }

    public func delete(name: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM subscription_cursors WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM subscriptions WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func list() async throws -> [Subscription] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM subscriptions ORDER BY name").compactMap { try Self.load(db, name: $0) }
        }
    }

    public func acknowledge(name: String, positions: [GameCursor]) async throws -> Subscription? {
        try await database.write { db in
            guard try Self.load(db, name: name) != nil else { return nil }
            for cursor in positions {
                guard let acknowledged = cursor.after else { continue }
                let row = try Row.fetchOne(
                    db, sql: "SELECT epoch, seq FROM subscription_cursors WHERE name = ? AND game_id = ?", arguments: [name, cursor.gameId]
                )
                let current = try row.map {
                    Position(epoch: try StoredInteger.unsigned($0[0], "epoch"), seq: try StoredInteger.unsigned($0[1], "seq"))
                }
                let merged = CursorMerge.merged(current, with: acknowledged)
                try db.execute(
                    sql: """
                        INSERT INTO subscription_cursors (name, game_id, epoch, seq) VALUES (?, ?, ?, ?)
                        ON CONFLICT (name, game_id) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq
                        """,
                    arguments: [
                        name, cursor.gameId, try StoredInteger.column(merged.epoch, "epoch"), try StoredInteger.column(merged.seq, "seq"),
                    ]
                )
            }
            return try Self.load(db, name: name)
        }
    }

    public func close() async {
        try? database.close()
    }

    private static func load(_ db: Database, name: String) throws -> Subscription? {
        guard let row = try Row.fetchOne(db, sql: "SELECT filter, created_at_ms FROM subscriptions WHERE name = ?", arguments: [name])
        else {
            return nil
        }
        let filterBytes: Data = row[0]
        let filter = try filterBytes.withUnsafeBytes { try SubscriptionFilter(serializedBytes: $0) }
        let cursors = try Row.fetchAll(
            db, sql: "SELECT game_id, epoch, seq FROM subscription_cursors WHERE name = ? ORDER BY game_id", arguments: [name]
        ).map { row in
            GameCursor(
                gameId: row[0],
                after: Position(epoch: try StoredInteger.unsigned(row[1], "epoch"), seq: try StoredInteger.unsigned(row[2], "seq")))
        }
        return Subscription(name: name, filter: filter, cursors: cursors, createdAtMs: row[1])
    }
}
