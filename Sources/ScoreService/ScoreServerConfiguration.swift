public import Auth
public import GRPC
public import ServiceKit
public import Storage

extension ScoreServer {
    /// Everything the score service is built from: its settings (declared below, documented in
    /// services/score/README.md), read by `courtside-score` and set directly by tests.
    public struct Configuration: ServiceConfiguration {
        public var host: String
        public var grpcPort: Int
        public var adminPort: Int
        public var storage: StorageLocation
        /// host:port of the schedule service (ignored when a directory is injected).
        public var scheduleAddress: String
        public var engine = ScoreEngine.Configuration()
        public var shutdownGrace: Duration
        public var maximumMessageSize: Int
        /// What each gRPC client may make the server hold, and its deadlines.
        public var grpcLimits: GRPCServerLimits
        /// TLS on the gRPC port; nil: cleartext h2c.
        public var grpcTLS: ServerTLSFiles?
        /// TLS to the services it calls; nil: cleartext h2c.
        public var clientTLS: ClientTLSFiles?
        /// The admin port's own address (loopback unless deployed otherwise) and limits.
        public var adminHost: String
        public var adminLimits: AdminServerLimits
        public var log: LogSettings
        /// The bearer token presented to the services this one calls (`--token-file`; empty: none).
        public var tokenFile = ""
        /// Who may call which method (docs/auth.md).
        public var auth: AuthConfiguration

        /// Every setting at its default.
        public init() {
            // The declared defaults are values of their settings (ScoreSettingsTests).
            try! self.init(reader: .defaults())
        }

        public init(reader: SettingsReader) throws(SettingsError) {
            host = try reader.read(CommonSettings.host)
            grpcPort = try reader.read(ScoreSettings.grpcPort)
            adminPort = try reader.read(ScoreSettings.adminPort)
            adminHost = try reader.read(AdminSettings.host)
            adminLimits = try AdminSettings.limits(from: reader)
            grpcLimits = try GRPCServerSettings.limits(from: reader)
            grpcTLS = try GRPCServerSettings.tls(from: reader)
            clientTLS = try GRPCClientSettings.tls(from: reader)
            storage = try reader.read(ScoreSettings.storage)
            scheduleAddress = try reader.read(ServiceAddresses.schedule)
            engine.historyLimit = try reader.read(ScoreSettings.historyLimit)
            engine.subscriberQueueCapacity = try reader.read(ScoreSettings.subscriberQueue)
            maximumMessageSize = try reader.read(ScoreSettings.maxMessageBytes)
            log = try LogSettings(reader: reader)
            tokenFile = try reader.read(ClientCredentialSettings.tokenFile)
            auth = try AuthConfiguration(reader: reader)
            shutdownGrace = try reader.read(CommonSettings.shutdownGrace)
        }
    }
}

/// The score service's own settings (services/score/README.md); the engine's defaults are
/// `ScoreEngine.Configuration`'s.
enum ScoreSettings {
    static let grpcPort = GRPCServerSettings.port(default: 50051)
    static let adminPort = AdminSettings.port(default: 9101)
    static let storage = Setting<StorageLocation>.parsed(
        "storage", default: .sqliteFile(path: "data/score.sqlite"), defaultText: "sqlite:data/score.sqlite",
        help: "Where the score log lives: sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB.", placeholder: "location",
        parse: StorageLocation.init(parsing:)
    )
    static let historyLimit = Setting.integer(
        "history-limit", default: ScoreEngine.Configuration().historyLimit, in: 0...Int.max,
        help: "Events kept per game; older ones are dropped and resuming before them starts from a snapshot. 0 keeps every event."
    )
    static let subscriberQueue = Setting.integer(
        "subscriber-queue", default: ScoreEngine.Configuration().subscriberQueueCapacity, in: 1...Int.max,
        help: "How many events a StreamEvents subscriber may fall behind before its stream ends with RESOURCE_EXHAUSTED."
    )
    static let maxMessageBytes = Setting.integer(
        "max-message-bytes", default: 4 << 20, in: 1024...Int.max, help: "Largest gRPC message accepted, in bytes."
    )
}
