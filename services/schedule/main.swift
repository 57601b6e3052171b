// courtside-schedule: the schedule service. See services/schedule/README.md.
import ArgumentParser
import Logging
import ScheduleService
import ServiceKit
import Storage

@main
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtside-schedule",
        abstract: "Teams, games, start times, venues and game status (gRPC courtside.v1.ScheduleService)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var grpc: GRPCServerOptions

    @Option(help: "gRPC port (env COURTSIDE_GRPC_PORT).")
    var grpcPort: Int = Environment.int("COURTSIDE_GRPC_PORT", default: 50052)

    @Option(help: "Where games are kept: sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB (env COURTSIDE_STORAGE).")
    var storage: String = Environment.string("COURTSIDE_STORAGE", default: "sqlite:data/schedule.sqlite")

    @Option(help: "JSON file of games to create at start-up when they do not exist yet (env COURTSIDE_SEED_GAMES_FILE).")
    var seedGames: String?

    @Option(help: "How many changes a WatchGames stream may fall behind before it ends with RESOURCE_EXHAUSTED (env COURTSIDE_WATCH_QUEUE).")
    var watchQueue: Int = Environment.int("COURTSIDE_WATCH_QUEUE", default: 1024)

    func validate() throws {
        try CommonOptions.checkPort(grpcPort, "--grpc-port")
        do { _ = try StorageLocation(parsing: storage) } catch { throw ValidationError("--storage: \(error)") }
        guard watchQueue > 0 else { throw ValidationError("--watch-queue must be positive (got \(watchQueue))") }
        if let path = seedGamesPath, path.isEmpty { throw ValidationError("--seed-games needs a file path") }
    }

    /// The flag, else the environment variable.
    private var seedGamesPath: String? {
        seedGames ?? Environment.string("COURTSIDE_SEED_GAMES_FILE")
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: Logger.Level(rawValue: common.logLevel) ?? .info, format: LogFormat(rawValue: common.logFormat) ?? .text)
        let logger = Logger(label: "schedule")
        var configuration = ScheduleServerConfiguration()
        configuration.host = common.host
        configuration.grpcPort = grpcPort
        configuration.adminHost = common.adminHost
        configuration.adminLimits = common.adminLimits
        configuration.grpcLimits = grpc.limits
        configuration.adminPort = common.adminPort(default: 9102)
        configuration.storage = try StorageLocation(parsing: storage)
        configuration.shutdownGrace = common.shutdownGrace
        configuration.watchQueueCapacity = watchQueue
        if let path = seedGamesPath {
            configuration.seedGames = try SeedGames.load(path: path)
        }
        let server = try await ScheduleServer(configuration: configuration, logger: logger)
        try await server.run()
    }
}
