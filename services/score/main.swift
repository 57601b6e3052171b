// courtside-score: the score service. See services/score/README.md.
import ArgumentParser
import Logging
import ScoreService
import ServiceKit
import Storage

@main
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtside-score",
        abstract: "The ordered, resumable truth about every game in play (gRPC courtside.v1.ScoreService)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var grpc: GRPCServerOptions

    @Option(help: "gRPC port (env COURTSIDE_GRPC_PORT).")
    var grpcPort: Int = Environment.int("COURTSIDE_GRPC_PORT", default: 50051)

    @Option(help: "Where the score log lives: sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB (env COURTSIDE_STORAGE).")
    var storage: String = Environment.string("COURTSIDE_STORAGE", default: "sqlite:data/score.sqlite")

    @Option(help: "host:port of the schedule service (env COURTSIDE_SCHEDULE_ADDR).")
    var scheduleAddr: String = Environment.string("COURTSIDE_SCHEDULE_ADDR", default: "127.0.0.1:50052")

    @Option(help: "Events kept per game; older ones are dropped and resuming before them starts from a snapshot. 0 keeps every event (env COURTSIDE_HISTORY_LIMIT).")
    var historyLimit: Int = Environment.int("COURTSIDE_HISTORY_LIMIT", default: 0)

    @Option(help: "How many events a StreamEvents subscriber may fall behind before its stream ends with RESOURCE_EXHAUSTED (env COURTSIDE_SUBSCRIBER_QUEUE).")
    var subscriberQueue: Int = Environment.int("COURTSIDE_SUBSCRIBER_QUEUE", default: 10_000)

    @Option(help: "Largest gRPC message accepted, in bytes (env COURTSIDE_MAX_MESSAGE_BYTES).")
    var maxMessageBytes: Int = Environment.int("COURTSIDE_MAX_MESSAGE_BYTES", default: 4 << 20)

    func validate() throws {
        try CommonOptions.checkPort(grpcPort, "--grpc-port")
        try CommonOptions.checkAddress(scheduleAddr, "--schedule-addr")
        do { _ = try StorageLocation(parsing: storage) } catch { throw ValidationError("--storage: \(error)") }
        guard historyLimit >= 0 else { throw ValidationError("--history-limit must not be negative") }
        guard subscriberQueue > 0 else { throw ValidationError("--subscriber-queue must be positive") }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: Logger.Level(rawValue: common.logLevel) ?? .info, format: LogFormat(rawValue: common.logFormat) ?? .text)
        let logger = Logger(label: "score")
        var configuration = ScoreServer.Configuration()
        configuration.host = common.host
        configuration.grpcPort = grpcPort
        configuration.adminHost = common.adminHost
        configuration.adminLimits = common.adminLimits
        configuration.grpcLimits = grpc.limits
        configuration.adminPort = common.adminPort(default: 9101)
        configuration.storage = try StorageLocation(parsing: storage)
        configuration.scheduleAddress = scheduleAddr
        configuration.engine.historyLimit = historyLimit
        configuration.engine.subscriberQueueCapacity = subscriberQueue
        configuration.shutdownGrace = common.shutdownGrace
        configuration.maximumMessageSize = maxMessageBytes
        logger.info("starting", metadata: ["storage": "\(configuration.storage)", "schedule": "\(scheduleAddr)"])
        let server = try await ScoreServer.make(configuration: configuration, logger: logger)
        try await server.run()
    }
}
