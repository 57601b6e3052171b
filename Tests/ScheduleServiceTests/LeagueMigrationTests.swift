import CourtsideDomain
import CourtsideProto
import GRDB
import PostgresNIO
import Storage
import Testing

@testable import ScheduleService

/// A database written before leagues existed: the migration makes its rows NBA rows, and the
/// schedule serves them (and its new teams) as before, on both stores.
@Suite struct LeagueMigrationTests {
    static let oldTeams = """
        INSERT INTO schedule_teams (id, tricode, city, name, conference, division, primary_color, secondary_color)
        VALUES ('BOS', 'BOS', 'Boston', 'Celtics', 'East', 'Atlantic', '#007a33', '#ba9653'),
               ('NYK', 'NYK', 'New York', 'Knicks', 'East', 'Atlantic', '#006bb6', '#f58426')
        """
    static let oldGame = """
        INSERT INTO schedule_games (id, home_team_id, away_team_id, start_time_ms, date, venue, status, revision, updated_at_ms)
        VALUES ('old-1', 'BOS', 'NYK', \(baseStart), '2025-10-21', 'TD Garden', 1, 1, 0)
        """

    @Test func sqliteRowsFromBeforeLeaguesAreNBARows() async throws {
        let fixture = try await StoreFixture.make(.sqliteFile)
        defer { fixture.remove() }
        do {
            let old = try SQLiteStorage.open(fixture.location, migrations: Array(ScheduleSchema.sqlite.prefix(2)))
            try await old.write { db in
                try db.execute(sql: Self.oldTeams)
                try db.execute(sql: Self.oldGame)
            }
        }
        try await Self.checkMigrated(fixture)
    }

    @Test func postgresRowsFromBeforeLeaguesAreNBARows() async throws {
        let fixture = try await StoreFixture.make(.postgres)
        guard case .postgres(let settings) = fixture.location else {
            Issue.record("not a PostgreSQL location: \(fixture.location)")
            return
        }
        let old = try await PostgresStorage(settings, migrations: Array(ScheduleSchema.postgres.prefix(9)), logger: testLogger)
        do {
            try await old.client.query(PostgresQuery(unsafeSQL: Self.oldTeams), logger: testLogger)
            try await old.client.query(PostgresQuery(unsafeSQL: Self.oldGame), logger: testLogger)
        } catch {
            old.shutdown()
            throw error
        }
        old.shutdown()
        try await Self.checkMigrated(fixture)
    }

    private static func checkMigrated(_ fixture: StoreFixture) async throws {
        let schedule = try await fixture.schedule()
        let game = try await schedule.game(id: "old-1")
        #expect(game.leagueId == "nba")
        #expect(game.homeTeamId == "BOS" && game.awayTeamId == "NYK" && game.revision == 1)
        #expect(try await schedule.listGames(ListGamesRequest(leagueIds: ["nba"])).games.map(\.id) == ["old-1"])
        #expect(try await schedule.listGames(ListGamesRequest(leagueIds: ["wnba"])).games.isEmpty)
        let teams = try await schedule.listTeams(ListTeamsRequest()).teams
        #expect(teams == SeedTeams.messages)
        // The game is written with its league from now on, and its change carries it.
        let live = try await schedule.updateStatus(gameID: "old-1", to: .live)
        #expect(live.leagueId == "nba" && live.revision == 2)
        let logged = try await schedule.store.changes(after: 0, limit: 10).changes
        #expect(logged.last?.game.leagueId == "nba")
        // An old client's game (no league) joins its teams' league.
        let upserted = try await schedule.upsert([makeGame("new-1", home: "wnba-SEA", away: "wnba-MIN")])
        #expect(upserted.first?.leagueId == "wnba")
        await schedule.close()
    }
}
