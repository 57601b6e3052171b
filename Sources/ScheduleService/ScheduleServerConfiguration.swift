public import CourtsideProto
public import GRPC
public import ServiceKit
public import Storage

/// Everything a schedule server process is built from (`courtside-schedule` fills it from flags
/// and environment variables; tests fill it directly, with port 0 for ephemeral ports).
public struct ScheduleServerConfiguration: Sendable {
    /// Address both servers listen on.
    public var host = "127.0.0.1"
    /// gRPC port (0: any free port).
    public var grpcPort = 50052
    /// Admin HTTP port for /metrics, /healthz, /readyz (0: any free port; nil: no admin server).
    public var adminPort: Int? = 9102
    /// Where games are kept.
    public var storage: StorageLocation = .sqliteFile(path: "data/schedule.sqlite")
    /// Games created at start-up if they do not exist yet.
    public var seedGames: [Game] = []
    /// How long calls may take to finish after SIGTERM.
    public var shutdownGrace: Duration = .seconds(20)
    /// Most changes a `WatchGames` stream may have waiting before it is ended.
    public var watchQueueCapacity = 1024
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
    public var grpcLimits = GRPCServerLimits()
    /// The admin port's own address (loopback unless deployed otherwise) and limits.
    public var adminHost = "127.0.0.1"
    public var adminLimits = AdminServerLimits()

    /// The defaults: ports 50052 and 9102 on 127.0.0.1, `sqlite:data/schedule.sqlite`.
    public init() {}
}
