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
import TestSupport
import Testing

/// Schedule, score and subscription services on loopback, wired together as in production.
final class Cluster: @unchecked Sendable {
    // Mutated only by the test that owns the cluster, sequentially.
    var schedule: ScheduleServer!
    var score: ScoreServer!
    var subscription: SubscriptionServer!
    var running: [String: Running] = [:]
    let scorePort: Int
    let scoreStorage: StorageLocation
    let subscriptionStorage: StorageLocation
    let subscriptionQueue: Int
    let maximumSubscriptions: Int
    let client: GRPCClient!
    let scoreClient: GRPCClient!
    /// Between the subscription service and the schedule when a test holds back WatchGames.
    var scheduleProxy: GRPCServer?
    var scheduleProxyClient: GRPCClient?

    static let today = GameDate.today()

    static let tomorrow = GameDate.of(utcMillis: UnixTime.nowMs() + 86_400_000)

    static let games = [
        Game(id: "g1", homeTeamId: "BOS", awayTeamId: "LAL", startTimeMs: 1, date: today, venue: "TD Garden", status: .scheduled),
        Game(id: "g2", homeTeamId: "NYK", awayTeamId: "MIA", startTimeMs: 2, date: today, venue: "MSG", status: .scheduled),
        Game(id: "g3", homeTeamId: "BOS", awayTeamId: "NYK", startTimeMs: 3, date: tomorrow, venue: "TD Garden", status: .scheduled),
        // A WNBA game beside the NBA ones (league filters).
        Game(
            id: "w1", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", startTimeMs: 4, date: today, venue: "Gainbridge Fieldhouse",
            status: .scheduled),
    ]

    /// - Parameter withheldWatch: the subscription service reaches the schedule through a proxy
    ///   whose WatchGames says nothing (the schedule's updates never arrive), and whose GetGame
    ///   forwards (or fails with UNAVAILABLE when `withheldWatch` is `.getGameFails`).
    init(
        subscriptionStorage: StorageLocation = .sqliteMemory, subscriptionQueue: Int = 10_000, maximumSubscriptions: Int = 1000,
        withheldWatch: WithheldWatchSchedule.GetGame? = nil
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courtside-cluster-\(UUID().uuidString)")
        scoreStorage = .sqliteFile(path: directory.appendingPathComponent("score.sqlite").path)
        self.subscriptionStorage = subscriptionStorage
        self.subscriptionQueue = subscriptionQueue
        self.maximumSubscriptions = maximumSubscriptions
        scorePort = try freePort()

        var scheduleConfiguration = ScheduleServerConfiguration()
        scheduleConfiguration.grpcPort = 0
        scheduleConfiguration.admin.port = nil
        scheduleConfiguration.storage = .sqliteMemory
        scheduleConfiguration.seedGames = Self.games
        scheduleConfiguration.shutdownGrace = .seconds(1)
        schedule = try await ScheduleServer.build(configuration: scheduleConfiguration, logger: Logger(label: "schedule"))
        running["schedule"] = Running(schedule.services)
        let schedule = self.schedule!
        try await waitFor("schedule") { schedule.grpcPort != nil }

        client = nil
        scoreClient = nil
        try await startScore()
        if let withheldWatch {
            let (proxy, forward) = try await WithheldWatchSchedule.serve(
                schedulePort: schedule.grpcPort ?? 0, getGame: withheldWatch, logger: Logger(label: "schedule-proxy"))
            scheduleProxy = proxy
            scheduleProxyClient = forward
        }
        try await startSubscription()
    }

    var scheduleAddress: String { "127.0.0.1:\(schedule.grpcPort ?? 0)" }
    var subscriptionPort: Int { subscription.grpcServer.localAddress?.port ?? 0 }

    func startScore() async throws {
        var configuration = ScoreServer.Configuration()
        configuration.grpcPort = scorePort
        configuration.admin.port = 0
        configuration.storage = scoreStorage
        configuration.scheduleAddress = scheduleAddress
        configuration.shutdownGrace = .seconds(1)
        score = try await ScoreServer.build(configuration: configuration, logger: Logger(label: "score"))
        running["score"] = Running(score.services)
        let score = self.score!
        try await waitFor("score") { score.grpcServer.localAddress != nil }
    }

    func stopScore() async {
        await running.removeValue(forKey: "score")?.stop()
    }

    func startSubscription() async throws {
        var configuration = SubscriptionServer.Configuration()
        configuration.grpcPort = 0
        configuration.admin.port = 0
        configuration.storage = subscriptionStorage
        configuration.scoreAddress = "127.0.0.1:\(scorePort)"
        configuration.scheduleAddress = scheduleProxy.map { "127.0.0.1:\($0.localAddress?.port ?? 0)" } ?? scheduleAddress
        configuration.subscriberQueueCapacity = subscriptionQueue
        configuration.maximumSubscriptions = maximumSubscriptions
        configuration.shutdownGrace = .seconds(1)
        // The tests that withhold WatchGames check what GetGame teaches the relay; under a fully
        // loaded CI machine the call can take longer than the 2 s a service waits by default.
        if scheduleProxy != nil { configuration.scheduleLookupTimeout = .seconds(20) }
        subscription = try await SubscriptionServer.build(configuration: configuration, logger: Logger(label: "subscription"))
        running["subscription"] = Running(subscription.services)
        let subscription = self.subscription!
        try await waitFor("subscription upstream") { subscription.upstream.isConnected && subscription.schedule.isReady }
    }

    func stopSubscription() async {
        await running.removeValue(forKey: "subscription")?.stop()
    }

    func subscriptionClient() -> (SubscriptionServiceClient, GRPCClient) {
        let client = GRPCClient(host: "127.0.0.1", port: subscriptionPort)
        return (SubscriptionServiceClient(client), client)
    }

    func publisher() -> (ScoreServiceClient, GRPCClient) {
        let client = GRPCClient(host: "127.0.0.1", port: scorePort)
        return (ScoreServiceClient(client), client)
    }

    func stop() async {
        for name in ["subscription", "score", "schedule"] {
            await running.removeValue(forKey: name)?.stop()
            if name == "subscription", let proxy = scheduleProxy {
                proxy.beginGracefulShutdown(grace: .seconds(1))
                await proxy.waitUntilStopped()
                scheduleProxyClient?.close()
            }
        }
    }
}

func event(
    _ gameId: String, _ n: Int, home: UInt32, away: UInt32 = 0, period: UInt32 = 1, status: GameStatus = .live, kind: EventKind = .basket
) -> Event {
    Event(
        gameId: gameId, sourceId: "\(gameId)-\(n)", kind: kind, teamId: "", points: 0, description: "e\(n)",
        state: GameState(homeScore: home, awayScore: away, period: period, clockMs: 100_000, clockRunning: true, status: status)
    )
}

extension StreamItem {
    var label: String {
        switch item {
        case .event(let event): "\(event.gameId)#\(event.position?.seq ?? 0)"
        case .snapshot(let snapshot): "\(snapshot.gameId)@\(snapshot.position?.seq ?? 0):\(reason)"
        case nil: "empty"
        }
    }
}

/// Reads `count` items from a subscription stream (with a deadline so a failure cannot hang).
/// `whileReading` starts once the service has registered the subscription (its response
/// headers say so), so everything it publishes is for this subscriber to see.
func read(
    _ subscriptions: SubscriptionServiceClient, _ request: SubscribeRequest, count: Int,
    whileReading: @escaping @Sendable () async throws -> Void = {}
) async throws -> [StreamItem] {
    try await subscriptions.subscribe(request, options: CallOptions(timeout: .seconds(20))) { stream in
        _ = try await stream.metadata
        let side = Task { try await whileReading() }
        defer { side.cancel() }
        var items: [StreamItem] = []
        for try await item in stream {
            items.append(item)
            if items.count == count { break }
        }
        try await side.value
        return items
    }
}
