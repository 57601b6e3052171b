import CourtsideProto
import CourtsideRPC
import EventRelay
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

/// The schedule, score and subscription services in this process, each on a loopback port with
/// SQLite in memory, wired to each other as in production: score checks games with schedule and
/// reports statuses to it, subscription follows score's stream and schedule's games.
final class InProcessCluster: Sendable {
    let schedule: ScheduleServer
    let score: ScoreServer
    let subscription: SubscriptionServer
    private let running: [(group: ServiceGroup, task: Task<Void, any Error>)]
    private let scheduleClient: GRPCClient
    private let scoreClient: GRPCClient
    private let subscriptionClient: GRPCClient
    private let planted: (server: GRPCServer, client: GRPCClient)?

    struct StartFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// - Parameter plantFault: also serve ``PlantedFaultService`` (for `--fail-on-purpose`).
    static func start(log: ServerLog, plantFault: Bool = false) async throws -> InProcessCluster {
        var running: [(group: ServiceGroup, task: Task<Void, any Error>)] = []
        func run(_ services: [any Service], logger: Logger) {
            let group = ServiceGroup(configuration: .init(services: services, logger: logger))
            running.append((group, Task { try await group.run() }))
        }

        var scheduleConfiguration = ScheduleServerConfiguration()
        scheduleConfiguration.grpcPort = 0
        scheduleConfiguration.admin.port = nil
        scheduleConfiguration.storage = .sqliteMemory
        scheduleConfiguration.seedGames = FuzzWorld.games + [FuzzWorld.canaryGame]
        scheduleConfiguration.shutdownGrace = .seconds(1)
        let schedule = try await ScheduleServer.build(configuration: scheduleConfiguration, logger: log.logger(for: "schedule"))
        run(schedule.services, logger: log.logger(for: "schedule"))
        let schedulePort = try await port("schedule") { schedule.grpcPort }

        var scoreConfiguration = ScoreServer.Configuration()
        scoreConfiguration.grpcPort = 0
        scoreConfiguration.admin.port = 0
        scoreConfiguration.storage = .sqliteMemory
        scoreConfiguration.scheduleAddress = "127.0.0.1:\(schedulePort)"
        scoreConfiguration.shutdownGrace = .seconds(1)
        let score = try await ScoreServer.build(configuration: scoreConfiguration, logger: log.logger(for: "score"))
        run(score.services, logger: log.logger(for: "score"))
        let scorePort = try await port("score") { score.grpcServer.localAddress?.port }

        var subscriptionConfiguration = SubscriptionServer.Configuration()
        subscriptionConfiguration.grpcPort = 0
        subscriptionConfiguration.admin.port = 0
        subscriptionConfiguration.storage = .sqliteMemory
        subscriptionConfiguration.scoreAddress = "127.0.0.1:\(scorePort)"
        subscriptionConfiguration.scheduleAddress = "127.0.0.1:\(schedulePort)"
        subscriptionConfiguration.shutdownGrace = .seconds(1)
        let subscription = try await SubscriptionServer.build(
            configuration: subscriptionConfiguration, logger: log.logger(for: "subscription"))
        run(subscription.services, logger: log.logger(for: "subscription"))
        let subscriptionPort = try await port("subscription") { subscription.grpcServer.localAddress?.port }
        try await waitFor("the subscription service to follow score and schedule") {
            subscription.upstream.isConnected && subscription.schedule.isReady
        }

        var planted: (server: GRPCServer, client: GRPCClient)?
        if plantFault {
            let server = GRPCServer(
                configuration: .init(host: "127.0.0.1", port: 0), services: [PlantedFaultService()], logger: log.logger(for: "planted"))
            try await server.start()
            planted = (server, GRPCClient(host: "127.0.0.1", port: server.localAddress?.port ?? 0))
        }
        return InProcessCluster(
            schedule: schedule, score: score, subscription: subscription, running: running,
            ports: (schedule: schedulePort, score: scorePort, subscription: subscriptionPort), planted: planted
        )
    }

    private init(
        schedule: ScheduleServer, score: ScoreServer, subscription: SubscriptionServer,
        running: [(group: ServiceGroup, task: Task<Void, any Error>)],
        ports: (schedule: Int, score: Int, subscription: Int), planted: (server: GRPCServer, client: GRPCClient)?
    ) {
        self.planted = planted
        self.schedule = schedule
        self.score = score
        self.subscription = subscription
        self.running = running
        scheduleClient = GRPCClient(host: "127.0.0.1", port: ports.schedule)
        scoreClient = GRPCClient(host: "127.0.0.1", port: ports.score)
        subscriptionClient = GRPCClient(host: "127.0.0.1", port: ports.subscription)
    }

    /// The fuzzer's client of a service (one HTTP/2 connection, calls multiplexed on it).
    func client(_ service: FuzzedService) -> GRPCClient {
        switch service {
        case .schedule: scheduleClient
        case .score: scoreClient
        case .subscription: subscriptionClient
        case .planted:
            // Only the catalogue of a `--fail-on-purpose` run has planted targets.
            planted?.client ?? subscriptionClient
        }
    }

    /// Stops subscription, then score, then schedule, each gracefully (as on SIGTERM).
    func stop() async {
        for client in [scheduleClient, scoreClient, subscriptionClient] { client.close() }
        if let planted {
            planted.client.close()
            planted.server.beginGracefulShutdown(grace: .seconds(1))
            await planted.server.waitUntilStopped()
        }
        for (group, task) in running.reversed() {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }

    private static func port(_ service: String, _ port: () -> Int?) async throws -> Int {
        try await waitFor("\(service) to listen") { port() != nil }
        return port() ?? 0
    }

    private static func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw StartFailed(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
