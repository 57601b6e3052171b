public import CourtsideProto
import CourtsideRPC
import Foundation
import GRDB
import GRPCWire
public import Storage

/// The score log in SQLite (GRDB, WAL mode): the embedded default.
public final class SQLiteScoreStore: ScoreStore {
    private let database: any DatabaseWriter

    public init(location: StorageLocation) throws {
        database = try SQLiteStorage.open(location, migrations: ScoreSchema.sqlite)
    }

    public func loadGames() async throws -> [StoredGame] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT game_id, epoch, last_seq, first_kept_seq, state, home_team_id, away_team_id, updated_at_ms FROM games"
            ).map { row in
                let stateBytes: Data = row[4]
                return StoredGame(
                    gameId: row[0],
                    epoch: try StoredInteger.unsigned(row[1], "epoch"),
                    lastSeq: try StoredInteger.unsigned(row[2], "last_seq"),
                    firstKeptSeq: try StoredInteger.unsigned(row[3], "first_kept_seq"),
                    state: try stateBytes.withUnsafeBytes { try GameState(serializedBytes: $0) },
                    homeTeamId: row[5],
                    awayTeamId: row[6],
                    updatedAtMs: row[7]
                )
            }
        }
    }

    public func loadSourceIds(gameId: String) async throws -> [String: UInt64] {
        try await database.read { db in
            var result: [String: UInt64] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT source_id, seq FROM event_sources WHERE game_id = ?", arguments: [gameId])
            while let row = try rows.next() {
                result[row[0]] = try StoredInteger.unsigned(row[1], "seq")
            }
            return result
        }
    }

    public func commit(_ commit: ScoreCommit) async throws {
        let rows = try commit.events.map { event -> (String, Int64, Int64, String, Data) in
            (
                event.gameId, try StoredInteger.column(event.position?.epoch ?? 0, "epoch"),
                try StoredInteger.column(event.position?.seq ?? 0, "seq"), event.sourceId, Data(try event.serializedBytes())
            )
        }
        let games = try commit.games.map { game in
            (
                game, Data(try game.state.serializedBytes()),
                (
                    try StoredInteger.column(game.epoch, "epoch"), try StoredInteger.column(game.lastSeq, "last_seq"),
                    try StoredInteger.column(game.firstKeptSeq, "first_kept_seq")
                )
            )
        }
        let trims = try commit.trims.map { (gameId: $0.key, before: try StoredInteger.column($0.value, "seq")) }
        try await database.write { db in
            let insertEvent = try db.cachedStatement(sql: "INSERT INTO events (game_id, epoch, seq, payload) VALUES (?, ?, ?, ?)")
            let insertSource = try db.cachedStatement(sql: "INSERT INTO event_sources (game_id, source_id, seq) VALUES (?, ?, ?)")
            for (gameId, epoch, seq, sourceId, payload) in rows {
                try insertEvent.execute(arguments: [gameId, epoch, seq, payload])
                try insertSource.execute(arguments: [gameId, sourceId, seq])
            }
            let upsertGame = try db.cachedStatement(
                sql: """
                    INSERT INTO games (game_id, epoch, last_seq, first_kept_seq, state, home_team_id, away_team_id, updated_at_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (game_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq,
                        first_kept_seq = excluded.first_kept_seq, state = excluded.state, home_team_id = excluded.home_team_id,
                        away_team_id = excluded.away_team_id, updated_at_ms = excluded.updated_at_ms
                    """
            )
            for (game, state, (epoch, lastSeq, firstKeptSeq)) in games {
                try upsertGame.execute(arguments: [
                    game.gameId, epoch, lastSeq, firstKeptSeq, state, game.homeTeamId, game.awayTeamId, game.updatedAtMs,
                ])
            }
            for (gameId, before) in trims {
                try db.execute(sql: "DELETE FROM events WHERE game_id = ? AND seq < ?", arguments: [gameId, before])
            }
        }
    }

    public func events(gameId: String, epoch: UInt64, afterSeq: UInt64, limit: Int) async throws -> [Event] {
        let epoch = try StoredInteger.column(epoch, "epoch")
        return try await database.read { db in
            try Self.decode(
                Data.fetchAll(
                    db,
                    sql: "SELECT payload FROM events WHERE game_id = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT ?",
                    arguments: [gameId, epoch, StoredInteger.bound(afterSeq), limit]
                )
            )
        }
    }

    public func eventsDescending(gameId: String, epoch: UInt64, beforeSeq: UInt64, limit: Int) async throws -> [Event] {
        let epoch = try StoredInteger.column(epoch, "epoch")
        return try await database.read { db in
            try Self.decode(
                Data.fetchAll(
                    db,
                    sql: "SELECT payload FROM events WHERE game_id = ? AND epoch = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                    arguments: [gameId, epoch, StoredInteger.bound(beforeSeq), limit]
                )
            )
        }
    }

    public func close() async {
        try? database.close()
    }

    private static func decode(_ payloads: [Data]) throws -> [Event] {
        try payloads.map { payload in try payload.withUnsafeBytes { try Event(serializedBytes: $0) } }
    }
}
