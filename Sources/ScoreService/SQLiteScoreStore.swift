public import CourtsideProto
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
                    epoch: UInt64(row[1] as Int64),
                    lastSeq: UInt64(row[2] as Int64),
                    firstKeptSeq: UInt64(row[3] as Int64),
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
                result[row[0]] = UInt64(row[1] as Int64)
            }
            return result
        }
    }

    public func commit(_ commit: ScoreCommit) async throws {
        let rows = try commit.events.map { event -> (String, Int64, Int64, String, Data) in
            (event.gameId, Int64(event.position?.epoch ?? 0), Int64(event.position?.seq ?? 0), event.sourceId, Data(try event.serializedBytes()))
        }
        let games = try commit.games.map { game in (game, Data(try game.state.serializedBytes())) }
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
            for (game, state) in games {
                try upsertGame.execute(arguments: [
                    game.gameId, Int64(game.epoch), Int64(game.lastSeq), Int64(game.firstKeptSeq), state,
                    game.homeTeamId, game.awayTeamId, game.updatedAtMs,
                ])
            }
            for (gameId, before) in commit.trims {
                try db.execute(sql: "DELETE FROM events WHERE game_id = ? AND seq < ?", arguments: [gameId, Int64(before)])
            }
        }
    }

    public func events(gameId: String, epoch: UInt64, afterSeq: UInt64, limit: Int) async throws -> [Event] {
        try await database.read { db in
            try Self.decode(
                Data.fetchAll(
                    db,
                    sql: "SELECT payload FROM events WHERE game_id = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT ?",
                    arguments: [gameId, Int64(epoch), Int64(afterSeq), limit]
                )
            )
        }
    }

    public func eventsDescending(gameId: String, epoch: UInt64, beforeSeq: UInt64, limit: Int) async throws -> [Event] {
        try await database.read { db in
            try Self.decode(
                Data.fetchAll(
                    db,
                    sql: "SELECT payload FROM events WHERE game_id = ? AND epoch = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                    arguments: [gameId, Int64(epoch), Int64(min(beforeSeq, UInt64(Int64.max))), limit]
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
