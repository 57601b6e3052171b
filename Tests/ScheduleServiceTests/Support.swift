import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC
import Logging
import PostgresNIO
import ScheduleService
import ServiceKit
import Storage
import Testing

/// The stores every store test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteMemory
    case sqliteFile
    case postgres

    var testDescription: String { rawValue }
}

/// A store of one kind, fresh and empty but for the teams, that can be reopened (for durability
/// tests) and is removed afterwards.
struct StoreFixture: Sendable {
    let kind: StoreKind
    let location: StorageLocation
    private let directory: String?

    static func make(_ kind: StoreKind) async throws -> StoreFixture {
        switch kind {
        case .sqliteMemory:
            return StoreFixture(kind: kind, location: .sqliteMemory, directory: nil)
        case .sqliteFile:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedule-test-\(UUID().uuidString)").path
            return StoreFixture(kind: kind, location: .sqliteFile(path: directory + "/schedule.sqlite"), directory: directory)
        case .postgres:
            return StoreFixture(kind: kind, location: try await PostgresTestDatabase.create(), directory: nil)
        }
    }

    /// Opens (or reopens) the store.
    func open(changeLogLength: Int = ScheduleStores.defaultChangeLogLength) async throws -> any ScheduleStore {
        try await ScheduleStores.open(location, changeLogLength: changeLogLength, logger: testLogger)
    }

    /// Opens a `Schedule` over a new store connection (a second one on the same location is
    /// another replica). Close it with `close()`.
    func schedule(
        watchQueueCapacity: Int = 1024,
        changePollInterval: Duration = .milliseconds(20),
        changeLogLength: Int = ScheduleStores.defaultChangeLogLength,
        limits: Schedule.Limits = Schedule.Limits()
    ) async throws -> Schedule {
        try await Schedule(
            store: try await open(changeLogLength: changeLogLength),
            metrics: ScheduleMetrics(metrics: ServiceMetrics(service: "schedule-test")),
            watchQueueCapacity: watchQueueCapacity,
            changePollInterval: changePollInterval,
            limits: limits,
            logger: testLogger
        )
    }

    func remove() {
        if let directory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// A PostgreSQL database of its own for each test, on the server `scripts/with-postgres` starts
/// (`COURTSIDE_TEST_POSTGRES_URL`). Without that server the test fails: PostgreSQL is part of
/// the suite, not optional.
enum PostgresTestDatabase {
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "COURTSIDE_TEST_POSTGRES_URL is not set: run the tests under scripts/with-postgres (scripts/test-all does) so that the PostgreSQL store is tested too"
        }
    }

    static func create() async throws -> StorageLocation {
        guard let url = ProcessInfo.processInfo.environment["COURTSIDE_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw Missing()
        }
        guard case .postgres(var settings) = try StorageLocation(parsing: url) else {
            throw Missing()
        }
        let admin = try await PostgresStorage(settings, migrations: [], logger: testLogger)
        defer { admin.shutdown() }
        let name = "schedule_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        // A locale collation (as production databases usually have), not the test server's
        // C.UTF-8: it orders "a_b a-c ab AB b B", so the stores' byte order must come from the
        // schema's COLLATE "C", which the tests then check.
        try await admin.client.query(
            PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"),
            logger: testLogger
        )
        settings.database = name
        return .postgres(settings)
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "schedule-test")
    logger.logLevel = .warning
    return logger
}()

/// Tip-off at 2025-10-21T23:30:00Z.
let baseStart: Int64 = 1_761_089_400_000

/// A valid game.
func makeGame(
    _ id: String,
    home: String = "BOS",
    away: String = "NYK",
    start: Int64 = baseStart,
    date: String = "2025-10-21",
    venue: String = "TD Garden",
    status: GameStatus = .scheduled
) -> Game {
    Game(id: id, homeTeamId: home, awayTeamId: away, startTimeMs: start, date: date, venue: venue, status: status)
}

/// `count` games, one per hour, on consecutive dates, with teams rotating through the league.
func makeGames(_ count: Int, prefix: String = "g", startingAt start: Int64 = baseStart) -> [Game] {
    let teams = NBATeams.all.map(\.id)
    return (0..<count).map { index in
        let home = teams[index % teams.count]
        let away = teams[(index + 1 + index / teams.count) % teams.count]
        let day = 1 + index % 28
        return makeGame(
            "\(prefix)-\(String(format: "%05d", index))",
            home: home,
            away: away == home ? teams[(index + 2) % teams.count] : away,
            start: start + Int64(index) * 3_600_000,
            date: String(format: "2025-11-%02d", day),
            venue: "Arena \(index)"
        )
    }
}

/// The RPCError `body` throws (nil when it throws something else or nothing).
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return nil
    }
}

/// Every page of a listing, following page tokens.
func allPages(_ schedule: Schedule, _ request: ListGamesRequest) async throws -> (games: [Game], pages: Int) {
    var request = request
    var games: [Game] = []
    var pages = 0
    while true {
        let response = try await schedule.listGames(request)
        games += response.games
        pages += 1
        if response.nextPageToken.isEmpty { return (games, pages) }
        request.pageToken = response.nextPageToken
    }
}

/// Polls until `condition` holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
