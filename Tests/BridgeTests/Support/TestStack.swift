import Bridge
import CourtsideProto
import EventRelay
import Foundation
import GRPC
import Logging
import NIOCore
import ScoreService
import ServiceKit
import ServiceLifecycle
import SubscriptionService
import Synchronization

/// A schedule service with fixed teams and games (the real one is another target; this keeps
/// the bridge's tests independent of its storage).
final class FakeSchedule: ScheduleServiceHandler {
    let teams: [Team]
    private let games: Mutex<[String: Game]>

    init(teams: [Team], games: [Game]) {
        self.teams = teams
        self.games = Mutex(Dictionary(games.map { ($0.id, $0) }, uniquingKeysWith: { $1 }))
    }

    func listTeams(request: ListTeamsRequest, context: ServerContext) async throws -> ListTeamsResponse {
        ListTeamsResponse(teams: teams.sorted { $0.tricode < $1.tricode })
    }

    func listGames(request: ListGamesRequest, context: ServerContext) async throws -> ListGamesResponse {
        let all = games.withLock { Array($0.values) }.filter { game in
            (request.dateFrom.isEmpty || game.date >= request.dateFrom) && (request.dateTo.isEmpty || game.date <= request.dateTo)
        }
        return ListGamesResponse(games: all.sorted { ($0.startTimeMs, $0.id) < ($1.startTimeMs, $1.id) })
    }

    func getGame(request: GetGameRequest, context: ServerContext) async throws -> Game {
        guard let game = games.withLock({ $0[request.gameId] }) else { throw RPCError(.notFound, "unknown game") }
        return game
    }

    func upsertGames(request: UpsertGamesRequest, context: ServerContext) async throws -> UpsertGamesResponse {
        games.withLock { games in for game in request.games { games[game.id] = game } }
        return UpsertGamesResponse(games: request.games)
    }

    func updateGameStatus(request: UpdateGameStatusRequest, context: ServerContext) async throws -> Game {
        try games.withLock { games in
            guard var game = games[request.gameId] else { throw RPCError(.notFound, "unknown game") }
            game.status = request.status
            game.revision += 1
            games[request.gameId] = game
            return game
        }
    }

    func watchGames(request: WatchGamesRequest, response: RPCWriter<GameChange>, context: ServerContext) async throws {
        if request.sendInitial {
            for game in games.withLock({ Array($0.values) }) { try await response.write(GameChange(game: game, initial: true)) }
        }
        while !Task.isCancelled { try await Task.sleep(for: .seconds(1)) }
    }
}

/// Score, subscription, a schedule and the bridge, in-process on loopback ports.
final class TestStack: Sendable {
    static let today = TestStack.localDate()
    static let teams = [
        Team(id: "BOS", tricode: "BOS", city: "Boston", name: "Celtics", conference: "East", division: "Atlantic", primaryColor: "#007A33", secondaryColor: "#BA9653"),
        Team(id: "LAL", tricode: "LAL", city: "Los Angeles", name: "Lakers", primaryColor: "#552583"),
        Team(id: "NYK", tricode: "NYK", city: "New York", name: "Knicks"),
        Team(id: "MIA", tricode: "MIA", city: "Miami", name: "Heat"),
    ]
    /// G1 is live, G2 scheduled today, G3 tomorrow.
    static let games = [
        Game(id: "G1", homeTeamId: "BOS", awayTeamId: "LAL", startTimeMs: 1_700_000_000_000, date: today, venue: "TD Garden", status: .live),
        Game(id: "G2", homeTeamId: "NYK", awayTeamId: "MIA", startTimeMs: 1_700_000_100_000, date: today, venue: "MSG", status: .scheduled),
        Game(id: "G3", homeTeamId: "MIA", awayTeamId: "BOS", startTimeMs: 1_800_000_000_000, date: "2099-01-01", venue: "", status: .scheduled),
    ]

    let scheduleServer: GRPCServer
    let score: ScoreServer
    let bridge: BridgeServer
    let scoreClient: GRPCClient
    private let groups: Mutex<[ServiceGroup]>
    private let tasks: Mutex<[Task<Void, any Error>]>
    private let subscriptionConfiguration: SubscriptionServer.Configuration
    private let published = Mutex<[String: Int]>([:])

    var port: Int { bridge.localAddress?.port ?? 0 }

    static func start(
        configure: (inout BridgeConfiguration) -> Void = { _ in },
        score configureScore: (inout ScoreServer.Configuration) -> Void = { _ in }
    ) async throws -> TestStack {
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        let scheduleServer = GRPCServer(
            configuration: GRPCServer.Configuration(host: "127.0.0.1", port: 0), services: [FakeSchedule(teams: teams, games: games)], logger: logger
        )
        try await scheduleServer.start()
        let schedulePort = try port(of: scheduleServer)

        var scoreConfiguration = ScoreServer.Configuration()
        scoreConfiguration.grpcPort = 0
        scoreConfiguration.adminPort = 0
        scoreConfiguration.shutdownGrace = .seconds(1)
        configureScore(&scoreConfiguration)
        let score = try await ScoreServer.make(configuration: scoreConfiguration, directory: StaticGameDirectory(games: games), logger: logger)
        let scoreGroup = ServiceGroup(configuration: .init(services: score.services, logger: logger))
        let scoreTask = Task { try await scoreGroup.run() }
        let scorePort = try await waitForPort { score.grpcServer.localAddress?.port }

        var subscriptionConfiguration = SubscriptionServer.Configuration()
        subscriptionConfiguration.grpcPort = 0
        subscriptionConfiguration.adminPort = 0
        subscriptionConfiguration.shutdownGrace = .seconds(1)
        subscriptionConfiguration.scoreAddress = "127.0.0.1:\(scorePort)"
        subscriptionConfiguration.scheduleAddress = "127.0.0.1:\(schedulePort)"
        let subscription = try await SubscriptionServer(configuration: subscriptionConfiguration, logger: logger)
        let subscriptionGroup = ServiceGroup(configuration: .init(services: subscription.services, logger: logger))
        let subscriptionTask = Task { try await subscriptionGroup.run() }
        let subscriptionPort = try await waitForPort { subscription.grpcServer.localAddress?.port }
        subscriptionConfiguration.grpcPort = subscriptionPort

        var configuration = BridgeConfiguration()
        configuration.httpPort = 0
        configuration.adminPort = 0
        configuration.subscriptionAddress = "127.0.0.1:\(subscriptionPort)"
        configuration.scoreAddress = "127.0.0.1:\(scorePort)"
        configuration.scheduleAddress = "127.0.0.1:\(schedulePort)"
        configuration.staticDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../services/bridge/public").path
        configuration.shutdownGrace = .seconds(2)
        configuration.reconnectSpreadMs = 1000
        configure(&configuration)
        let bridge = try BridgeServer(configuration: configuration, logger: logger)
        let bridgeGroup = ServiceGroup(configuration: .init(services: bridge.services, logger: logger))
        let bridgeTask = Task { try await bridgeGroup.run() }
        _ = try await waitForPort { bridge.localAddress?.port }
        let deadline = ContinuousClock.now + .seconds(15)
        while !bridge.upstream.isConnected {
            guard ContinuousClock.now < deadline else { throw TestFailure("the bridge's upstream did not connect") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let scoreClient = GRPCClient(host: "127.0.0.1", port: scorePort)
        return TestStack(
            scheduleServer: scheduleServer, score: score, bridge: bridge, scoreClient: scoreClient,
            groups: [bridgeGroup, subscriptionGroup, scoreGroup], tasks: [bridgeTask, subscriptionTask, scoreTask],
            subscriptionConfiguration: subscriptionConfiguration
        )
    }

    private init(
        scheduleServer: GRPCServer, score: ScoreServer, bridge: BridgeServer, scoreClient: GRPCClient,
        groups: [ServiceGroup], tasks: [Task<Void, any Error>], subscriptionConfiguration: SubscriptionServer.Configuration
    ) {
        self.scheduleServer = scheduleServer
        self.score = score
        self.bridge = bridge
        self.scoreClient = scoreClient
        self.groups = Mutex(groups)
        self.tasks = Mutex(tasks)
        self.subscriptionConfiguration = subscriptionConfiguration
    }

    /// Shuts the bridge down first (its browsers get goaway), then the rest.
    func stop() async {
        scoreClient.close()
        for index in 0..<3 { await stop(index) }
        scheduleServer.beginGracefulShutdown(grace: .milliseconds(100))
        await scheduleServer.waitUntilStopped()
    }

    private func stop(_ index: Int) async {
        let group = groups.withLock { $0[index] }
        let task = tasks.withLock { $0[index] }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Shuts only the bridge down (its browsers get goaway and close 1001).
    func stopBridge() async {
        await stop(0)
    }

    /// Stops the subscription service, waits, and starts a new one on the same port.
    func restartSubscription(downFor pause: Duration) async throws {
        await stop(1)
        try await Task.sleep(for: pause)
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        let subscription = try await SubscriptionServer(configuration: subscriptionConfiguration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: subscription.services, logger: logger))
        let task = Task { try await group.run() }
        groups.withLock { $0[1] = group }
        tasks.withLock { $0[1] = task }
        _ = try await Self.waitForPort { subscription.grpcServer.localAddress?.port }
    }

    /// Publishes `count` events to a game (each +`points` for the home team); returns the last seq.
    @discardableResult
    func publish(_ gameId: String, count: Int = 1, points: UInt32 = 1, description: String? = nil) async throws -> UInt64 {
        let start = published.withLock { published -> Int in
            defer { published[gameId, default: 0] += count }
            return published[gameId, default: 0]
        }
        let events = (0..<count).map { index -> Event in
            let n = start + index + 1
            return Event(
                gameId: gameId, sourceId: "\(gameId)-\(n)", kind: EventKind(rawValue: 2), teamId: Self.games.first { $0.id == gameId }?.homeTeamId ?? "",
                points: points, description: description ?? "free throw \(n)",
                state: GameState(homeScore: UInt32(n) * points, awayScore: 0, period: 1, clockMs: 600_000, clockRunning: true, status: .live)
            )
        }
        let response = try await ScoreServiceClient(scoreClient).publishEvents(PublishEventsRequest(events: events), options: CallOptions(timeout: .seconds(10)))
        return response.results.last?.position?.seq ?? 0
    }

    /// The game's current epoch (from the score service).
    func epoch(_ gameId: String) async throws -> UInt64 {
        try await ScoreServiceClient(scoreClient).getSnapshots(GetSnapshotsRequest(gameIds: [gameId])).snapshots.first?.position?.epoch ?? 0
    }

    private static func port(of server: GRPCServer) throws -> Int {
        guard let port = server.localAddress?.port else { throw TestFailure("schedule server did not start") }
        return port
    }

    private static func waitForPort(_ port: @Sendable () -> Int?) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            if let port = port() { return port }
            guard ContinuousClock.now < deadline else { throw TestFailure("a server did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private static func localDate() -> String {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }
}

/// Plain HTTP/1.1 for tests (one request per connection).
enum TestHTTP {
    static func get(port: Int, _ target: String, headers: [(String, String)] = []) async throws -> (status: Int, head: String, body: String) {
        let (channel, inbox) = try await TestWebSocket.connectRaw(port: port)
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let head = try await inbox.httpHead(timeout: .seconds(10))
        let deadline = ContinuousClock.now + .seconds(10)
        while !inbox.peerClosed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try? await channel.close()
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, head, inbox.text())
    }
}
