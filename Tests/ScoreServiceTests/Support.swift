import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC
import GRPCServiceKit
import Logging
import NIOCore
import ScoreService
import ServiceKit
import ServiceLifecycle
import Storage
import Testing

/// Storage back ends every store-level test runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqliteMemory
    case sqliteFile
    case postgres

    var testDescription: String { rawValue }

    /// A fresh location (a new temp file for SQLite; the shared test server for PostgreSQL).
    func location() throws -> StorageLocation {
        switch self {
        case .sqliteMemory:
            return .sqliteMemory
        case .sqliteFile:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courtside-score-\(UUID().uuidString)")
            return .sqliteFile(path: directory.appendingPathComponent("score.sqlite").path)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["COURTSIDE_TEST_POSTGRES_URL"] else {
                throw TestSetupError(
                    "COURTSIDE_TEST_POSTGRES_URL is not set: run the tests through scripts/with-postgres (make test does)"
                )
            }
            return try StorageLocation(parsing: url)
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func makeStore(_ location: StorageLocation) async throws -> any ScoreStore {
    switch location {
    case .postgres(let settings):
        return try await PostgresScoreStore(settings: settings, logger: Logger(label: "test-store"))
    default:
        return try SQLiteScoreStore(location: location)
    }
}

/// Unique ids, so tests sharing one PostgreSQL database never see each other's games.
func uniqueGameId(_ label: String = "g") -> String {
    "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
}

func game(_ id: String, home: String = "BOS", away: String = "LAL") -> Game {
    Game(id: id, homeTeamId: home, awayTeamId: away, date: "2026-11-23", status: .scheduled)
}

/// A basket by the home team: the running score goes up by `points`.
func basket(
    _ gameId: String, _ n: Int, home: UInt32, away: UInt32, period: UInt32 = 1, kind: EventKind = .basket, status: GameStatus = .live
) -> Event {
    Event(
        gameId: gameId, sourceId: "src-\(n)", kind: kind, teamId: "BOS", points: 0,
        description: "event \(n)",
        state: GameState(homeScore: home, awayScore: away, period: period, clockMs: 600_000, clockRunning: true, status: status)
    )
}

/// A score server on ephemeral loopback ports, run through its real lifecycle services.
final class RunningScoreServer: Sendable {
    let server: ScoreServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let client: GRPCClient

    var score: ScoreServiceClient { ScoreServiceClient(client) }
    var port: Int { server.grpcServer.localAddress?.port ?? 0 }

    static func start(
        storage: StorageLocation = .sqliteMemory,
        games: [Game],
        directory: StaticGameDirectory? = nil,
        configure: (inout ScoreServer.Configuration) -> Void = { _ in }
    ) async throws -> RunningScoreServer {
        var configuration = ScoreServer.Configuration()
        configuration.grpcPort = 0
        configuration.admin.port = 0
        configuration.storage = storage
        configuration.shutdownGrace = .seconds(2)
        configure(&configuration)
        let directory = directory ?? StaticGameDirectory(games: games)
        let logger = Logger(label: "test-score")
        let server = try await ScoreServer.build(configuration: configuration, directory: directory, logger: logger)
        let group = ServiceGroup(configuration: .init(services: server.services, logger: logger))
        let task = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while server.grpcServer.localAddress == nil {
            guard ContinuousClock.now < deadline else { throw TestSetupError("score server did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
        let client = GRPCClient(host: "127.0.0.1", port: server.grpcServer.localAddress!.port!)
        return RunningScoreServer(server: server, group: group, task: task, client: client)
    }

    init(server: ScoreServer, group: ServiceGroup, task: Task<Void, any Error>, client: GRPCClient) {
        self.server = server
        self.group = group
        self.task = task
        self.client = client
    }

    func stop() async {
        client.close()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// Reads exactly `count` items from a StreamEvents stream, then leaves it.
func collect(_ score: ScoreServiceClient, _ request: StreamEventsRequest, count: Int, timeout: Duration = .seconds(20)) async throws
    -> [StreamItem]
{
    try await score.streamEvents(request, options: CallOptions(timeout: timeout)) { stream in
        var items: [StreamItem] = []
        guard count > 0 else { return items }
        for try await item in stream {
            items.append(item)
            if items.count == count { break }
        }
        return items
    }
}
