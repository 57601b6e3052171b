public import Auth
public import CourtsideProto
import CourtsideRPC
public import GRPC
public import ServiceKit
public import Storage

/// Everything a schedule server process is built from: its settings (declared below,
/// documented in services/schedule/README.md), read by `courtside-schedule` and set directly by
/// tests (port 0 for ephemeral ports).
public struct ScheduleServerConfiguration: ServiceConfiguration {
    /// Address the gRPC server listens on.
    public var host: String
    /// gRPC port (0: any free port).
    public var grpcPort: Int
    /// Admin HTTP port for /metrics, /healthz, /readyz (0: any free port; nil: no admin server).
    public var adminPort: Int?
    /// Where games are kept.
    public var storage: StorageLocation
    /// Games created at start-up if they do not exist yet.
    public var seedGames: [Game]
    /// How long calls may take to finish after SIGTERM.
    public var shutdownGrace: Duration
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
    /// What each gRPC client may make the server hold, and its deadlines.
    public var grpcLimits: GRPCServerLimits
    /// TLS on the gRPC port; nil: cleartext h2c.
    public var grpcTLS: ServerTLSFiles?
    /// The admin port's own address (loopback unless deployed otherwise) and limits.
    public var adminHost: String
    public var adminLimits: AdminServerLimits
    public var log: LogSettings
    /// Who may call which method (docs/auth.md).
    public var auth: AuthConfiguration

    /// The defaults: ports 50052 and 9102 on 127.0.0.1, `sqlite:data/schedule.sqlite`.
    public init() {
        // The declared defaults are values of their settings (ScheduleSettingsTests).
        try! self.init(reader: .defaults())
    }

    public init(reader: SettingsReader) throws(SettingsError) {
        host = try reader.read(CommonSettings.host)
        grpcPort = try reader.read(ScheduleSettings.grpcPort)
        adminPort = try reader.read(ScheduleSettings.adminPort)
        adminHost = try reader.read(AdminSettings.host)
        adminLimits = try AdminSettings.limits(from: reader)
        grpcLimits = try GRPCServerSettings.limits(from: reader)
        grpcTLS = try GRPCServerSettings.tls(from: reader)
        storage = try reader.read(ScheduleSettings.storage)
        seedGames = try reader.read(ScheduleSettings.seedGames)
        watchQueueCapacity = try reader.read(ScheduleSettings.watchQueue)
        log = try LogSettings(reader: reader)
        auth = try AuthConfiguration(reader: reader)
        shutdownGrace = try reader.read(CommonSettings.shutdownGrace)
    }
}

/// The schedule service's own settings (services/schedule/README.md).
enum ScheduleSettings {
    static let grpcPort = GRPCServerSettings.port(default: 50052)
    static let adminPort = AdminSettings.port(default: 9102)
    static let storage = Setting<StorageLocation>.parsed(
        "storage", default: .sqliteFile(path: "data/schedule.sqlite"), defaultText: "sqlite:data/schedule.sqlite",
        help: "Where games are kept: sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB.", placeholder: "location",
        parse: StorageLocation.init(parsing:)
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
