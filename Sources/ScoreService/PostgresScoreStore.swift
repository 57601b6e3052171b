public import CourtsideProto
import CourtsideRPC
import GRPCWire
public import Logging
import NIOCore
import PostgresNIO
public import Storage

/// The score log in PostgreSQL (postgres-nio), for production: a restart, or another host,
/// continues every game from its last position.
public final class PostgresScoreStore: ScoreStore {
    private let storage: PostgresStorage
    private let logger: Logger

    public init(settings: StorageLocation.PostgresSettings, logger: Logger) async throws {
        self.logger = logger
        storage = try await PostgresStorage(settings, migrations: ScoreSchema.postgres, logger: logger)
    }

    public func loadGames() async throws -> [StoredGame] {
        let rows = try await storage.client.query(
            "SELECT game_id, epoch, last_seq, first_kept_seq, state, home_team_id, away_team_id, updated_at_ms FROM score_games",
            logger: logger
        )
        var games: [StoredGame] = []
        for try await (gameId, epoch, lastSeq, firstKept, state, home, away, updated) in rows.decode(
            (String, Int64, Int64, Int64, ByteBuffer, String, String, Int64).self
        ) {
            games.append(
                StoredGame(
                    gameId: gameId, epoch: try StoredInteger.unsigned(epoch, "epoch"),
                    lastSeq: try StoredInteger.unsigned(lastSeq, "last_seq"),
                    firstKeptSeq: try StoredInteger.unsigned(firstKept, "first_kept_seq"),
                    state: try GameState(buffer: state), homeTeamId: home, awayTeamId: away, updatedAtMs: updated
                )
            )
        }
        return games
    }

    public func loadSourceIds(gameId: String) async throws -> [String: UInt64] {
        let rows = try await storage.client.query(
            "SELECT source_id, seq FROM score_event_sources WHERE game_id = \(gameId)",
            logger: logger
        )
        var result: [String: UInt64] = [:]
        for try await (sourceId, seq) in rows.decode((String, Int64).self) {
            result[sourceId] = try StoredInteger.unsigned(seq, "seq")
        }
        return result
    }

    public func commit(_ commit: ScoreCommit) async throws {
        // Arrays bound as parameters: one round trip per table, however large the batch.
        let gameIds = commit.events.map(\.gameId)
        let epochs = try commit.events.map { try StoredInteger.column($0.position?.epoch ?? 0, "epoch") }
        let seqs = try commit.events.map { try StoredInteger.column($0.position?.seq ?? 0, "seq") }
        let sourceIds = commit.events.map(\.sourceId)
        let payloads = commit.events.map { event -> ByteBuffer in
            var buffer = ByteBuffer()
            event.serialize(into: &buffer)
            return buffer
        }
        let games = try commit.games.map { game -> (StoredGame, ByteBuffer, [Int64]) in
            var buffer = ByteBuffer()
            game.state.serialize(into: &buffer)
            let positions = [
                try StoredInteger.column(game.epoch, "epoch"), try StoredInteger.column(game.lastSeq, "last_seq"),
                try StoredInteger.column(game.firstKeptSeq, "first_kept_seq"),
            ]
            return (game, buffer, positions)
        }
        let logger = self.logger
        let trims = try commit.trims.map { (gameId: $0.key, before: try StoredInteger.column($0.value, "seq")) }
        try await storage.client.withTransaction(logger: logger) { connection in
            if !gameIds.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO score_events (game_id, epoch, seq, payload)
                    SELECT * FROM UNNEST(\(gameIds)::text[], \(epochs)::bigint[], \(seqs)::bigint[], \(payloads)::bytea[])
                    """,
                    logger: logger
                )
                try await connection.query(
                    """
                    INSERT INTO score_event_sources (game_id, source_id, seq)
                    SELECT * FROM UNNEST(\(gameIds)::text[], \(sourceIds)::text[], \(seqs)::bigint[])
                    """,
                    logger: logger
                )
            }
            for (game, state, positions) in games {
                try await connection.query(
                    """
                    INSERT INTO score_games (game_id, epoch, last_seq, first_kept_seq, state, home_team_id, away_team_id, updated_at_ms)
                    VALUES (\(game.gameId), \(positions[0]), \(positions[1]), \(positions[2]), \(state),
                            \(game.homeTeamId), \(game.awayTeamId), \(game.updatedAtMs))
                    ON CONFLICT (game_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq,
                        first_kept_seq = excluded.first_kept_seq, state = excluded.state, home_team_id = excluded.home_team_id,
                        away_team_id = excluded.away_team_id, updated_at_ms = excluded.updated_at_ms
                    """,
                    logger: logger
                )
            }
            for (gameId, before) in trims {
                try await connection.query(
                    "DELETE FROM score_events WHERE game_id = \(gameId) AND seq < \(before)",
                    logger: logger
                )
            }
        }
    }

    public func events(gameId: String, epoch: UInt64, afterSeq: UInt64, limit: Int) async throws -> [Event] {
        let epoch = try StoredInteger.column(epoch, "epoch")
        let afterSeq = StoredInteger.bound(afterSeq)
        return try await decode(
            storage.client.query(
                """
                SELECT payload FROM score_events WHERE game_id = \(gameId) AND epoch = \(epoch) AND seq > \(afterSeq)
                ORDER BY seq LIMIT \(limit)
                """,
                logger: logger
            )
        )
    }

    public func eventsDescending(gameId: String, epoch: UInt64, beforeSeq: UInt64, limit: Int) async throws -> [Event] {
        let epoch = try StoredInteger.column(epoch, "epoch")
        let beforeSeq = StoredInteger.bound(beforeSeq)
        return try await decode(
            storage.client.query(
                """
                SELECT payload FROM score_events WHERE game_id = \(gameId) AND epoch = \(epoch)
                AND seq < \(beforeSeq) ORDER BY seq DESC LIMIT \(limit)
                """,
                logger: logger
            )
        )
    }

    public func close() async {
        storage.shutdown()
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [Event] {
        var events: [Event] = []
        for try await payload in rows.decode(ByteBuffer.self) {
            events.append(try Event(buffer: payload))
        }
        return events
    }
}
