public import Auth
public import GRPC
public import ServiceKit
public import Storage

extension SubscriptionServer {
    /// Everything the subscription service is built from: its settings (declared below,
    /// documented in services/subscription/README.md), read by `courtside-subscription` and set
    /// directly by tests.
    public struct Configuration: ServiceConfiguration {
        public var host: String
        public var grpcPort: Int
        public var adminPort: Int
        public var storage: StorageLocation
        public var scoreAddress: String
        public var scheduleAddress: String
        /// How far a subscriber may fall behind before its stream ends with RESOURCE_EXHAUSTED.
        public var subscriberQueueCapacity: Int
        /// Recent events kept per game for catching subscribers up without asking the score service.
        public var recentEventsPerGame: Int
        /// Most durable subscriptions kept; creating one more is RESOURCE_EXHAUSTED.
        public var maximumSubscriptions: Int
        public var shutdownGrace: Duration
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
            // The declared defaults are values of their settings (SubscriptionSettingsTests).
            try! self.init(reader: .defaults())
        }

        public init(reader: SettingsReader) throws(SettingsError) {
            host = try reader.read(CommonSettings.host)
            grpcPort = try reader.read(SubscriptionSettings.grpcPort)
            adminPort = try reader.read(SubscriptionSettings.adminPort)
            adminHost = try reader.read(AdminSettings.host)
            adminLimits = try AdminSettings.limits(from: reader)
            grpcLimits = try GRPCServerSettings.limits(from: reader)
            grpcTLS = try GRPCServerSettings.tls(from: reader)
            clientTLS = try GRPCClientSettings.tls(from: reader)
            storage = try reader.read(SubscriptionSettings.storage)
            scoreAddress = try reader.read(ServiceAddresses.score)
            scheduleAddress = try reader.read(ServiceAddresses.schedule)
            subscriberQueueCapacity = try reader.read(SubscriptionSettings.subscriberQueue)
            recentEventsPerGame = try reader.read(SubscriptionSettings.recentEvents)
            maximumSubscriptions = try reader.read(SubscriptionSettings.maxSubscriptions)
            log = try LogSettings(reader: reader)
            tokenFile = try reader.read(ClientCredentialSettings.tokenFile)
            auth = try AuthConfiguration(reader: reader)
            shutdownGrace = try reader.read(CommonSettings.shutdownGrace)
        }
    }
}

/// The subscription service's own settings (services/subscription/README.md).
enum SubscriptionSettings {
    static let grpcPort = GRPCServerSettings.port(default: 50053)
    static let adminPort = AdminSettings.port(default: 9103)
    static let storage = Setting<StorageLocation>.parsed(
        "storage", default: .sqliteFile(path: "data/subscription.sqlite"), defaultText: "sqlite:data/subscription.sqlite",
        help: "Where durable subscriptions live: sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB.",
        placeholder: "location", parse: StorageLocation.init(parsing:)
    )
    static let subscriberQueue = Setting.integer(
        "subscriber-queue", default: 10_000, in: 1...Int.max,
        help: "Events a subscriber may fall behind before its stream ends with RESOURCE_EXHAUSTED."
    )
    static let recentEvents = Setting.integer(
        "recent-events", default: 1024, in: 0...Int.max, help: "Recent events kept in memory per game for catching subscribers up."
    )
    static let maxSubscriptions = Setting.integer(
        "max-subscriptions", default: 1000, in: 1...Int.max,
        help: "Most durable subscriptions kept; creating one more is RESOURCE_EXHAUSTED."
    )
}
