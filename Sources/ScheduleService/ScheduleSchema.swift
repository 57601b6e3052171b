import CourtsideDomain
import CourtsideProto
import Foundation

/// The schedule's tables, as migrations for each store: `schedule_teams`, `schedule_games`, and
/// the change log (`schedule_changes`, every write of a game in commit order, and
/// `schedule_change_log`, how far it has been pruned). Table names carry a `schedule_` prefix
/// and migration names a `schedule-` prefix, because services may share one PostgreSQL database
/// (and its `schema_migrations` table).
///
/// Ids and dates are compared byte by byte on both databases: SQLite's default BINARY collation,
/// and `COLLATE "C"` on PostgreSQL (whose default collation follows the locale). Keyset
/// pagination depends on both stores ordering ids the same way.
enum ScheduleSchema {
    /// SQLite: every migration may hold several statements.
    static let sqlite: [(name: String, sql: String)] = [
        (
            "schedule-001-teams-and-games",
            """
            CREATE TABLE schedule_teams (
                id TEXT PRIMARY KEY NOT NULL,
                tricode TEXT NOT NULL,
                city TEXT NOT NULL,
                name TEXT NOT NULL,
                conference TEXT NOT NULL,
                division TEXT NOT NULL,
                primary_color TEXT NOT NULL,
                secondary_color TEXT NOT NULL
            );
            CREATE TABLE schedule_games (
                id TEXT PRIMARY KEY NOT NULL,
                home_team_id TEXT NOT NULL REFERENCES schedule_teams(id),
                away_team_id TEXT NOT NULL REFERENCES schedule_teams(id),
                start_time_ms INTEGER NOT NULL,
                date TEXT NOT NULL,
                venue TEXT NOT NULL,
                status INTEGER NOT NULL,
                revision INTEGER NOT NULL,
                updated_at_ms INTEGER NOT NULL
            );
            CREATE INDEX schedule_games_by_start ON schedule_games (start_time_ms, id);
            CREATE INDEX schedule_games_by_date ON schedule_games (date, start_time_ms, id);
            CREATE INDEX schedule_games_by_home ON schedule_games (home_team_id, start_time_ms, id);
            CREATE INDEX schedule_games_by_away ON schedule_games (away_team_id, start_time_ms, id);
            """
        ),
        (
            "schedule-002-change-log",
            """
            CREATE TABLE schedule_changes (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL,
                home_team_id TEXT NOT NULL,
                away_team_id TEXT NOT NULL,
                start_time_ms INTEGER NOT NULL,
                date TEXT NOT NULL,
                venue TEXT NOT NULL,
                status INTEGER NOT NULL,
                revision INTEGER NOT NULL,
                changed_at_ms INTEGER NOT NULL
            );
            CREATE TABLE schedule_change_log (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                pruned_through INTEGER NOT NULL
            );
            INSERT INTO schedule_change_log (singleton, pruned_through) VALUES (1, 0);
            """
        ),
        (
            // Rows written before leagues existed are NBA rows.
            "schedule-003-leagues",
            """
            ALTER TABLE schedule_teams ADD COLUMN league_id TEXT NOT NULL DEFAULT 'nba';
            ALTER TABLE schedule_games ADD COLUMN league_id TEXT NOT NULL DEFAULT 'nba';
            ALTER TABLE schedule_changes ADD COLUMN league_id TEXT NOT NULL DEFAULT 'nba';
            CREATE INDEX schedule_games_by_league ON schedule_games (league_id, start_time_ms, id);
            """
        ),
    ]

    /// PostgreSQL: one statement per migration (the extended query protocol runs one at a time).
    static let postgres: [(name: String, sql: String)] = [
        (
            "schedule-001-teams",
            """
            CREATE TABLE schedule_teams (
                id TEXT COLLATE "C" PRIMARY KEY,
                tricode TEXT NOT NULL,
                city TEXT NOT NULL,
                name TEXT NOT NULL,
                conference TEXT NOT NULL,
                division TEXT NOT NULL,
                primary_color TEXT NOT NULL,
                secondary_color TEXT NOT NULL
            )
            """
        ),
        (
            "schedule-002-games",
            """
            CREATE TABLE schedule_games (
                id TEXT COLLATE "C" PRIMARY KEY,
                home_team_id TEXT COLLATE "C" NOT NULL REFERENCES schedule_teams(id),
                away_team_id TEXT COLLATE "C" NOT NULL REFERENCES schedule_teams(id),
                start_time_ms BIGINT NOT NULL,
                date TEXT COLLATE "C" NOT NULL,
                venue TEXT NOT NULL,
                status INTEGER NOT NULL,
                revision BIGINT NOT NULL,
                updated_at_ms BIGINT NOT NULL
            )
            """
        ),
        ("schedule-003-games-by-start", "CREATE INDEX schedule_games_by_start ON schedule_games (start_time_ms, id)"),
        ("schedule-004-games-by-date", "CREATE INDEX schedule_games_by_date ON schedule_games (date, start_time_ms, id)"),
        ("schedule-005-games-by-home", "CREATE INDEX schedule_games_by_home ON schedule_games (home_team_id, start_time_ms, id)"),
        ("schedule-006-games-by-away", "CREATE INDEX schedule_games_by_away ON schedule_games (away_team_id, start_time_ms, id)"),
        (
            "schedule-007-changes",
            """
            CREATE TABLE schedule_changes (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT COLLATE "C" NOT NULL,
                home_team_id TEXT COLLATE "C" NOT NULL,
                away_team_id TEXT COLLATE "C" NOT NULL,
                start_time_ms BIGINT NOT NULL,
                date TEXT COLLATE "C" NOT NULL,
                venue TEXT NOT NULL,
                status INTEGER NOT NULL,
                revision BIGINT NOT NULL,
                changed_at_ms BIGINT NOT NULL
            )
            """
        ),
        (
            "schedule-008-change-log",
            """
            CREATE TABLE schedule_change_log (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                pruned_through BIGINT NOT NULL
            )
            """
        ),
        ("schedule-009-change-log-row", "INSERT INTO schedule_change_log (singleton, pruned_through) VALUES (1, 0)"),
        // Rows written before leagues existed are NBA rows.
        ("schedule-010-teams-league", "ALTER TABLE schedule_teams ADD COLUMN league_id TEXT COLLATE \"C\" NOT NULL DEFAULT 'nba'"),
        ("schedule-011-games-league", "ALTER TABLE schedule_games ADD COLUMN league_id TEXT COLLATE \"C\" NOT NULL DEFAULT 'nba'"),
        ("schedule-012-changes-league", "ALTER TABLE schedule_changes ADD COLUMN league_id TEXT COLLATE \"C\" NOT NULL DEFAULT 'nba'"),
        ("schedule-013-games-by-league", "CREATE INDEX schedule_games_by_league ON schedule_games (league_id, start_time_ms, id)"),
    ]

    /// Inserts a team or refreshes its attributes (placeholders `?` or `$1…$9`, in the order of
    /// ``teamValues(_:)``).
    static func upsertTeamSQL(placeholder: (Int) -> String) -> String {
        let values = (1...9).map(placeholder).joined(separator: ", ")
        return """
            INSERT INTO schedule_teams (id, tricode, city, name, conference, division, primary_color, secondary_color, league_id)
            VALUES (\(values))
            ON CONFLICT (id) DO UPDATE SET tricode = excluded.tricode, city = excluded.city, name = excluded.name,
                conference = excluded.conference, division = excluded.division,
                primary_color = excluded.primary_color, secondary_color = excluded.secondary_color,
                league_id = excluded.league_id
            """
    }

    /// A team's columns in the order of ``upsertTeamSQL(placeholder:)`` and ``selectTeamsSQL``.
    static func teamValues(_ team: Team) -> [String] {
        [
            team.id, team.tricode, team.city, team.name, team.conference, team.division,
            team.primaryColor, team.secondaryColor, team.leagueId,
        ]
    }

    /// Every team, ordered by id.
    static let selectTeamsSQL = """
        SELECT id, tricode, city, name, conference, division, primary_color, secondary_color, league_id
        FROM schedule_teams ORDER BY id
        """

    /// A team from the columns of ``selectTeamsSQL``.
    static func team(_ columns: [String]) -> Team {
        Team(
            id: columns[0], tricode: columns[1], city: columns[2], name: columns[3], conference: columns[4],
            division: columns[5], primaryColor: columns[6], secondaryColor: columns[7], leagueId: columns[8]
        )
    }

    /// The tail of a games insert that replaces an existing row.
    static let gameConflictClause = """
        ON CONFLICT (id) DO UPDATE SET home_team_id = excluded.home_team_id, away_team_id = excluded.away_team_id,
            start_time_ms = excluded.start_time_ms, date = excluded.date, venue = excluded.venue,
            status = excluded.status, revision = excluded.revision, updated_at_ms = excluded.updated_at_ms,
            league_id = excluded.league_id
        """

    /// Milliseconds since the Unix epoch, for `updated_at_ms`.
    static func nowMilliseconds() -> Int64 {
        UnixTime.nowMs()
    }
}
