import Bridge
import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import EventRelay
import Foundation
import GRPC
import GRPCServiceKit
import Logging
import NIOCore
import ScheduleService
import ScoreService
import ServiceKit
import ServiceLifecycle
import Storage
import SubscriptionService
import Synchronization
import TestSupport

/// Schedule (seeded with `games`), score, subscription and the bridge, in-process on loopback
/// ports.
final class TestStack: Sendable {
    static let today = GameDate.today()
    /// G1 (live once it has events) and G2 are today's, G3 is another day's.
    static let games = [
        Game(
            id: "G1", homeTeamId: "BOS", awayTeamId: "LAL", startTimeMs: 1_700_000_000_000, date: today, venue: "TD Garden",
            status: .scheduled),
        Game(id: "G2", homeTeamId: "NYK", awayTeamId: "MIA", startTimeMs: 1_700_000_100_000, date: today, venue: "MSG", status: .scheduled),
        Game(
            id: "G3", homeTeamId: "MIA", awayTeamId: "BOS", startTimeMs: 1_800_000_000_000, date: "2099-01-01", venue: "",
            status: .scheduled),
    ]

    let schedule: ScheduleServer
    let score: ScoreServer
    let bridge: BridgeServer
    let scoreClient: GRPCClient
    private let groups: Mutex<[ServiceGroup]>
    private let tasks: Mutex<[Task<Void, any Error>]>
    private let subscriptionConfiguration: SubscriptionServer.Configuration
    private let published = Mutex<[String: Int]>([:])
    /// Between the bridge and the schedule when a test holds back WatchGames.
    private let scheduleProxy: (server: GRPCServer, forward: GRPCClient)?

    var port: Int { bridge.localAddress?.port ?? 0 }

    /// - Parameter withheldWatch: the bridge reaches the schedule through a proxy that lists no
    ///   games and withholds WatchGames (it knows a game only by GetGame, which fails with
    ///   `.fails`).
    static func start(
        configure: (inout BridgeConfiguration) -> Void = { _ in },
        score configureScore: (inout ScoreServer.Configuration) -> Void = { _ in },
        withheldWatch: WithheldWatchSchedule.GetGame? = nil
    ) async throws -> TestStack {
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        var scheduleConfiguration = ScheduleServerConfiguration()
        scheduleConfiguration.grpcPort = 0
        scheduleConfiguration.admin.port = nil
        scheduleConfiguration.storage = .sqliteMemory
        scheduleConfiguration.seedGames = games
        scheduleConfiguration.shutdownGrace = .seconds(1)
        let schedule = try await ScheduleServer.build(configuration: scheduleConfiguration, logger: logger)
        let scheduleGroup = ServiceGroup(configuration: .init(services: schedule.services, logger: logger))
        let scheduleTask = Task { try await scheduleGroup.run() }
        let schedulePort = try await waitForPort { schedule.grpcPort }

        var scoreConfiguration = ScoreServer.Configuration()
        scoreConfiguration.grpcPort = 0
        scoreConfiguration.admin.port = 0
        scoreConfiguration.storage = .sqliteMemory
        scoreConfiguration.shutdownGrace = .seconds(1)
        configureScore(&scoreConfiguration)
        let score = try await ScoreServer.build(
            configuration: scoreConfiguration, directory: StaticGameDirectory(games: games), logger: logger)
        let scoreGroup = ServiceGroup(configuration: .init(services: score.services, logger: logger))
        let scoreTask = Task { try await scoreGroup.run() }
        let scorePort = try await waitForPort { score.grpcServer.localAddress?.port }

        var subscriptionConfiguration = SubscriptionServer.Configuration()
        subscriptionConfiguration.grpcPort = 0
        subscriptionConfiguration.admin.port = 0
        subscriptionConfiguration.storage = .sqliteMemory
        subscriptionConfiguration.shutdownGrace = .seconds(1)
        subscriptionConfiguration.scoreAddress = "127.0.0.1:\(scorePort)"
        subscriptionConfiguration.scheduleAddress = "127.0.0.1:\(schedulePort)"
        let subscription = try await SubscriptionServer.build(configuration: subscriptionConfiguration, logger: logger)
        let subscriptionGroup = ServiceGroup(configuration: .init(services: subscription.services, logger: logger))
        let subscriptionTask = Task { try await subscriptionGroup.run() }
        let subscriptionPort = try await waitForPort { subscription.grpcServer.localAddress?.port }
        subscriptionConfiguration.grpcPort = subscriptionPort
        // Events published before the relays registered upstream would reach nobody (a stream
        // with no resume position starts at "now"): wait for both hops.
        try await waitFor("the subscription service's stream from score to open", timeout: .seconds(15)) {
            subscription.upstream.isConnected
        }

        var configuration = BridgeConfiguration()
        configuration.httpPort = 0
        configuration.admin.port = 0
        configuration.subscriptionAddress = "127.0.0.1:\(subscriptionPort)"
        configuration.scoreAddress = "127.0.0.1:\(scorePort)"
        configuration.scheduleAddress = "127.0.0.1:\(schedulePort)"
        var scheduleProxy: (server: GRPCServer, forward: GRPCClient)?
        if let withheldWatch {
            let proxy = try await WithheldWatchSchedule.serve(
                schedulePort: schedulePort, getGame: withheldWatch, listsGames: false, logger: logger)
            configuration.scheduleAddress = "127.0.0.1:\(proxy.server.localAddress?.port ?? 0)"
            // What GetGame teaches the bridge is checked; under a fully loaded CI machine the
            // call can take longer than the 2 s the bridge waits by default.
            configuration.scheduleLookupTimeout = .seconds(20)
            scheduleProxy = proxy
        }
        configuration.staticDirectory =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../services/bridge/public").path
        configuration.shutdownGrace = .seconds(2)
        configuration.reconnectSpreadMs = 1000
        configure(&configuration)
        let bridge = try await BridgeServer.build(configuration: configuration, logger: logger)
        let bridgeGroup = ServiceGroup(configuration: .init(services: bridge.services, logger: logger))
        let bridgeTask = Task { try await bridgeGroup.run() }
        _ = try await waitForPort { bridge.localAddress?.port }
        try await waitFor("the bridge's stream from the subscription service to open", timeout: .seconds(15)) {
            bridge.upstream.isConnected
        }
        let scoreClient = GRPCClient(host: "127.0.0.1", port: scorePort)
        return TestStack(
            schedule: schedule, score: score, bridge: bridge, scoreClient: scoreClient,
            groups: [bridgeGroup, subscriptionGroup, scoreGroup, scheduleGroup],
            tasks: [bridgeTask, subscriptionTask, scoreTask, scheduleTask],
            subscriptionConfiguration: subscriptionConfiguration, scheduleProxy: scheduleProxy
        )
    }

    private init(
        schedule: ScheduleServer, score: ScoreServer, bridge: BridgeServer, scoreClient: GRPCClient,
        groups: [ServiceGroup], tasks: [Task<Void, any Error>], subscriptionConfiguration: SubscriptionServer.Configuration,
        scheduleProxy: (server: GRPCServer, forward: GRPCClient)?
    ) {
        self.scheduleProxy = scheduleProxy
        self.schedule = schedule
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
        for index in 0..<4 { await stop(index) }
        if let scheduleProxy {
            scheduleProxy.server.beginGracefulShutdown(grace: .seconds(1))
            await scheduleProxy.server.waitUntilStopped()
            scheduleProxy.forward.close()
        }
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

    /// Stops the schedule service (for tests of an unreachable dependency).
    func stopSchedule() async {
        await stop(3)
    }

    /// Stops the subscription service, waits, and starts a new one on the same port.
    func restartSubscription(downFor pause: Duration) async throws {
        await stop(1)
        try await Task.sleep(for: pause)
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        let subscription = try await SubscriptionServer.build(configuration: subscriptionConfiguration, logger: logger)
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
                gameId: gameId, sourceId: "\(gameId)-\(n)", kind: EventKind(rawValue: 2),
                teamId: Self.games.first { $0.id == gameId }?.homeTeamId ?? "",
                points: points, description: description ?? "free throw \(n)",
                state: GameState(
                    homeScore: UInt32(n) * points, awayScore: 0, period: 1, clockMs: 600_000, clockRunning: true, status: .live)
            )
        }
        let response = try await ScoreServiceClient(scoreClient).publishEvents(
            PublishEventsRequest(events: events), options: CallOptions(timeout: .seconds(10)))
        return response.results.last?.position?.seq ?? 0
    }

    /// Waits until the bridge's relay has the game up to `seq` (events reach it through the
    /// subscription service a moment after the score service stored them).
    func waitForRelay(_ gameId: String, seq: UInt64) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while (bridge.relay.head(gameId)?.lastSeq ?? 0) < seq {
            guard ContinuousClock.now < deadline else { throw TestFailure("the bridge never saw \(gameId) at \(seq)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The game's current epoch (from the score service).
    func epoch(_ gameId: String) async throws -> UInt64 {
        try await ScoreServiceClient(scoreClient).getSnapshots(GetSnapshotsRequest(gameIds: [gameId])).snapshots.first?.position?.epoch ?? 0
    }

    private static func waitForPort(_ port: @Sendable () -> Int?) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            if let port = port() { return port }
            guard ContinuousClock.now < deadline else { throw TestFailure("a server did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Plain HTTP/1.1 for tests (one request per connection).
enum TestHTTP {
    static func get(port: Int, _ target: String, headers: [(String, String)] = []) async throws -> (status: Int, head: String, body: String)
    {
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
