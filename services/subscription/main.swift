// courtside-subscription: the subscription service. See services/subscription/README.md.
import ArgumentParser
import Logging
import ServiceKit
import Storage
import SubscriptionService

@main
struct SubscriptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtside-subscription",
        abstract: "Filtered live event streams and durable subscriptions (gRPC courtside.v1.SubscriptionService)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var grpc: GRPCServerOptions

    @Option(help: "gRPC port (env COURTSIDE_GRPC_PORT).")
    var grpcPort: Int = Environment.int("COURTSIDE_GRPC_PORT", default: 50053)

    @Option(help: "Where durable subscriptions live: sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB (env COURTSIDE_STORAGE).")
    var storage: String = Environment.string("COURTSIDE_STORAGE", default: "sqlite:data/subscription.sqlite")

    @Option(help: "host:port of the score service (env COURTSIDE_SCORE_ADDR).")
    var scoreAddr: String = Environment.string("COURTSIDE_SCORE_ADDR", default: "127.0.0.1:50051")

    @Option(help: "host:port of the schedule service (env COURTSIDE_SCHEDULE_ADDR).")
    var scheduleAddr: String = Environment.string("COURTSIDE_SCHEDULE_ADDR", default: "127.0.0.1:50052")

    @Option(help: "Events a subscriber may fall behind before its stream ends with RESOURCE_EXHAUSTED (env COURTSIDE_SUBSCRIBER_QUEUE).")
    var subscriberQueue: Int = Environment.int("COURTSIDE_SUBSCRIBER_QUEUE", default: 10_000)

    @Option(help: "Recent events kept in memory per game for catching subscribers up (env COURTSIDE_RECENT_EVENTS).")
    var recentEvents: Int = Environment.int("COURTSIDE_RECENT_EVENTS", default: 1024)

    @Option(help: "Most durable subscriptions kept; creating one more is RESOURCE_EXHAUSTED (env COURTSIDE_MAX_SUBSCRIPTIONS).")
    var maxSubscriptions: Int = Environment.int("COURTSIDE_MAX_SUBSCRIPTIONS", default: 1000)

    func validate() throws {
        try CommonOptions.checkPort(grpcPort, "--grpc-port")
        try CommonOptions.checkAddress(scoreAddr, "--score-addr")
        try CommonOptions.checkAddress(scheduleAddr, "--schedule-addr")
        do { _ = try StorageLocation(parsing: storage) } catch { throw ValidationError("--storage: \(error)") }
        guard subscriberQueue > 0 else { throw ValidationError("--subscriber-queue must be positive") }
        guard recentEvents >= 0 else { throw ValidationError("--recent-events must not be negative") }
        guard maxSubscriptions > 0 else { throw ValidationError("--max-subscriptions must be positive (got \(maxSubscriptions))") }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: Logger.Level(rawValue: common.logLevel) ?? .info, format: LogFormat(rawValue: common.logFormat) ?? .text)
        let logger = Logger(label: "subscription")
        var configuration = SubscriptionServer.Configuration()
        configuration.host = common.host
        configuration.grpcPort = grpcPort
        configuration.adminHost = common.adminHost
        configuration.adminLimits = common.adminLimits
        configuration.grpcLimits = grpc.limits
        configuration.adminPort = common.adminPort(default: 9103)
        configuration.storage = try StorageLocation(parsing: storage)
        configuration.scoreAddress = scoreAddr
        configuration.scheduleAddress = scheduleAddr
        configuration.subscriberQueueCapacity = subscriberQueue
        configuration.recentEventsPerGame = recentEvents
        configuration.maximumSubscriptions = maxSubscriptions
        configuration.shutdownGrace = common.shutdownGrace
        logger.info("starting", metadata: ["storage": "\(configuration.storage)", "score": "\(scoreAddr)", "schedule": "\(scheduleAddr)"])
        try await SubscriptionServer(configuration: configuration, logger: logger).run()
    }
}
