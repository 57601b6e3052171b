public import CourtsideProto
import CourtsideRPC
public import GRPCServiceKit
public import ServiceKit

/// Everything a schedule server process is built from: the settings every gRPC service has
/// (``GRPCServiceSettings``) and its own, declared below and documented in
/// services/schedule/README.md; read by `courtside-schedule` and set directly by tests (port 0
/// for ephemeral ports).
public struct ScheduleServerConfiguration: GRPCServiceConfiguration {
    public var server: GRPCServiceSettings
    /// Games created at start-up if they do not exist yet.
    public var seedGames: [Game]
    /// Most changes a `WatchGames` stream may have waiting before it is ended.
    public var watchQueueCapacity: Int
    /// How often the change log is read for writes made by other processes sharing the store
    /// (replicas on one PostgreSQL database); this process's own writes are read at once.
    public var changePollInterval: Duration = .milliseconds(200)
    /// How many changes the change log keeps.
    public var changeLogLength = ScheduleStores.defaultChangeLogLength
    /// Limits on requests.
    public var limits = Schedule.Limits()
    /// Largest request message accepted (bytes).
    public var maximumReceiveMessageSize = 4 << 20

    /// The defaults: ports 50052 and 9102 on 127.0.0.1, `sqlite:data/schedule.sqlite`.
    public init() {
        // The declared defaults are values of their settings (ScheduleSettingsTests).
        try! self.init(reader: .defaults())
    }

    public init(reader: SettingsReader) throws(SettingsError) {
        server = try GRPCServiceSettings(reader: reader, ScheduleSettings.service)
        seedGames = try reader.read(ScheduleSettings.seedGames)
        watchQueueCapacity = try reader.read(ScheduleSettings.watchQueue)
    }
}

/// The schedule service's own settings (services/schedule/README.md).
enum ScheduleSettings {
    static let service = GRPCServiceSettings.Declaration(
        grpcPort: 50052, adminPort: 9102, storage: "Where games are kept", defaultFile: "data/schedule.sqlite", callsOtherServices: false
    )
    static let seedGames = Setting<[Game]>(
        "seed-games", environment: "COURTSIDE_SEED_GAMES_FILE", default: [], defaultText: "none",
        help: "JSON file of games to create at start-up when they do not exist yet.", placeholder: "file"
    ) { path throws(SettingProblem) in
        guard !path.isEmpty else { throw .rejected("needs a file path") }
        do throws(SeedGames.LoadError) { return try SeedGames.load(path: path) } catch { throw .rejected(error.description) }
    }
    static let watchQueue = Setting.integer(
        "watch-queue", default: 1024, in: 1...Int.max,
        help: "How many changes a WatchGames stream may fall behind before it ends with RESOURCE_EXHAUSTED."
    )
}
