/// The score log's tables. The same logical schema on SQLite and PostgreSQL:
///
/// - `games`: one row per game: its epoch, last position, oldest kept position and current
///   state (an encoded `GameState`);
/// - `events`: the kept history, one encoded `Event` per (game, epoch, seq);
/// - `event_sources`: every (game, source id) ever published and its position — never trimmed,
///   so a repeat is recognised even after its event left the kept history.
enum ScoreSchema {
    static let sqlite: [(name: String, sql: String)] = [
        (
            "001-score-log",
            """
            CREATE TABLE games (
                game_id TEXT PRIMARY KEY,
                epoch INTEGER NOT NULL,
                last_seq INTEGER NOT NULL,
                first_kept_seq INTEGER NOT NULL,
                state BLOB NOT NULL,
                home_team_id TEXT NOT NULL,
                away_team_id TEXT NOT NULL,
                updated_at_ms INTEGER NOT NULL
            );
            CREATE TABLE events (
                game_id TEXT NOT NULL,
                epoch INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                payload BLOB NOT NULL,
                PRIMARY KEY (game_id, epoch, seq)
            ) WITHOUT ROWID;
            CREATE TABLE event_sources (
                game_id TEXT NOT NULL,
                source_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (game_id, source_id)
            ) WITHOUT ROWID;
            """
        )
    ]

    static let postgres: [(name: String, sql: String)] = [
        (
            "001-score-log",
            """
            CREATE TABLE score_games (
                game_id TEXT PRIMARY KEY,
                epoch BIGINT NOT NULL,
                last_seq BIGINT NOT NULL,
                first_kept_seq BIGINT NOT NULL,
                state BYTEA NOT NULL,
                home_team_id TEXT NOT NULL,
                away_team_id TEXT NOT NULL,
                updated_at_ms BIGINT NOT NULL
            );
            CREATE TABLE score_events (
                game_id TEXT NOT NULL,
                epoch BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                payload BYTEA NOT NULL,
                PRIMARY KEY (game_id, epoch, seq)
            );
            CREATE TABLE score_event_sources (
                game_id TEXT NOT NULL,
                source_id TEXT NOT NULL,
                seq BIGINT NOT NULL,
                PRIMARY KEY (game_id, source_id)
            );
            """
        )
    ]
}
