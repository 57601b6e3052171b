public import CourtsideProto
import CourtsideRPC
import GRPC
public import Logging
import NIOCore
import PostgresNIO
public import Storage

/// Durable subscriptions in PostgreSQL: every replica of the subscription service sees the same
/// subscriptions and cursors.
public final class PostgresSubscriptionStore: SubscriptionStore {
    private let storage: PostgresStorage
    private let logger: Logger
    /// The advisory lock key of creating subscriptions (in the 727_1xx_xxx Courtside range).
    static let createLockKey: Int64 = 727_100_003

    static let migrations: [(name: String, sql: String)] = [
        (
            "001-subscriptions",
            """
            CREATE TABLE subscriptions (name TEXT PRIMARY KEY, filter BYTEA NOT NULL, created_at_ms BIGINT NOT NULL);
            CREATE TABLE subscription_cursors (
                name TEXT NOT NULL REFERENCES subscriptions(name) ON DELETE CASCADE,
                game_id TEXT NOT NULL,
                epoch BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                PRIMARY KEY (name, game_id)
            )
            """
        ),
        // Who created each subscription: only they (or an admin) consume, acknowledge or delete it.
        ("002-subscription-owner", "ALTER TABLE subscriptions ADD COLUMN owner TEXT NOT NULL DEFAULT ''"),
    ]

    public init(settings: StorageLocation.PostgresSettings, logger: Logger) async throws {
        self.logger = logger
        storage = try await PostgresStorage(settings, migrations: Self.migrations, logger: logger)
    }

    public func create(name: String, filter: SubscriptionFilter, owner: String, createdAtMs: Int64, maximumCount: Int) async throws
        -> Subscription
    {
        var encoded = ByteBuffer()
        filter.serialize(into: &encoded)
        let limit = Int64(maximumCount)
        let logger = self.logger
        // The count and the insert under one lock, so that replicas creating at the same time
        // cannot go past the limit together.
        let inserted = try await storage.client.withTransaction(logger: logger) { connection -> Bool in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.createLockKey))", logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO subscriptions (name, filter, created_at_ms, owner)
                SELECT \(name), \(encoded), \(createdAtMs), \(owner) WHERE (SELECT COUNT(*) FROM subscriptions) < \(limit)
                ON CONFLICT (name) DO NOTHING RETURNING name
                """,
                logger: logger
            )
            var inserted = false
            for try await _ in rows { inserted = true }
            return inserted
        }
        guard inserted else {
            if try await get(name: name) != nil { throw RPCError(.alreadyExists, "subscription '\(name)' already exists") }
            throw SubscriptionLimit.reached(maximumCount)
        }
        return Subscription(name: name, filter: filter, createdAtMs: createdAtMs)
    }

    public func get(name: String) async throws -> Subscription? {
        try await load(name: name, connection: nil)
    }

    public func owner(of name: String) async throws -> String? {
        for try await owner in try await storage.client.query("SELECT owner FROM subscriptions WHERE name = \(name)", logger: logger)
            .decode(String.self)
        {
            return owner
        }
        return nil
    }

    public func delete(name: String) async throws -> Bool {
        let rows = try await storage.client.query("DELETE FROM subscriptions WHERE name = \(name) RETURNING name", logger: logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    public func list() async throws -> [Subscription] {
        var names: [String] = []
        for try await name in try await storage.client.query("SELECT name FROM subscriptions ORDER BY name", logger: logger).decode(
            String.self)
        {
            names.append(name)
        }
        var subscriptions: [Subscription] = []
        for name in names {
            if let subscription = try await get(name: name) { subscriptions.append(subscription) }
        }
        return subscriptions
    }

    public func acknowledge(name: String, positions: [GameCursor]) async throws -> Subscription? {
        // Checked before the transaction, so that the error is not wrapped in its own.
        for cursor in positions {
            guard let after = cursor.after else { continue }
            _ = try StoredInteger.column(after.epoch, "epoch")
            _ = try StoredInteger.column(after.seq, "seq")
        }
        let logger = self.logger
        let exists = try await storage.client.withTransaction(logger: logger) { connection -> Bool in
            var found = false
            for try await _ in try await connection.query("SELECT name FROM subscriptions WHERE name = \(name) FOR UPDATE", logger: logger)
            {
                found = true
            }
            guard found else { return false }
            for cursor in positions {
                guard let acknowledged = cursor.after else { continue }
                var current: Position?
                for try await (epoch, seq) in try await connection.query(
                    "SELECT epoch, seq FROM subscription_cursors WHERE name = \(name) AND game_id = \(cursor.gameId)", logger: logger
                ).decode((Int64, Int64).self) {
                    current = Position(epoch: try StoredInteger.unsigned(epoch, "epoch"), seq: try StoredInteger.unsigned(seq, "seq"))
                }
                let merged = CursorMerge.merged(current, with: acknowledged)
                let epoch = try StoredInteger.column(merged.epoch, "epoch")
                let seq = try StoredInteger.column(merged.seq, "seq")
                try await connection.query(
                    """
                    INSERT INTO subscription_cursors (name, game_id, epoch, seq) VALUES (\(name), \(cursor.gameId), \(epoch), \(seq))
                    ON CONFLICT (name, game_id) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq
                    """,
                    logger: logger
                )
            }
            return true
        }
        return exists ? try await get(name: name) : nil
    }

    public func close() async {
        storage.shutdown()
    }

    private func load(name: String, connection: PostgresConnection?) async throws -> Subscription? {
        var found: (ByteBuffer, Int64)?
        for try await row in try await storage.client.query(
            "SELECT filter, created_at_ms FROM subscriptions WHERE name = \(name)", logger: logger
        ).decode((ByteBuffer, Int64).self) {
            found = row
        }
        guard let (filterBytes, createdAt) = found else { return nil }
        var cursors: [GameCursor] = []
        for try await (gameId, epoch, seq) in try await storage.client.query(
            "SELECT game_id, epoch, seq FROM subscription_cursors WHERE name = \(name) ORDER BY game_id", logger: logger
        ).decode((String, Int64, Int64).self) {
            cursors.append(
                GameCursor(
                    gameId: gameId,
                    after: Position(epoch: try StoredInteger.unsigned(epoch, "epoch"), seq: try StoredInteger.unsigned(seq, "seq")))
            )
        }
        return Subscription(name: name, filter: try SubscriptionFilter(buffer: filterBytes), cursors: cursors, createdAtMs: createdAt)
    }
}
