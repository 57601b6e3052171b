public import GRPCServiceKit
public import ServiceKit

extension SubscriptionServer {
    /// Everything the subscription service is built from: the settings every gRPC service has
    /// (``GRPCServiceSettings``) and its own, declared below and documented in
    /// services/subscription/README.md; read by `courtside-subscription` and set directly by
    /// tests.
    public struct Configuration: GRPCServiceConfiguration {
        public var server: GRPCServiceSettings
        public var scoreAddress: String
        public var scheduleAddress: String
        /// How far a subscriber may fall behind before its stream ends with RESOURCE_EXHAUSTED.
        public var subscriberQueueCapacity: Int
        /// Recent events kept per game for catching subscribers up without asking the score service.
        public var recentEventsPerGame: Int
        /// Most durable subscriptions kept; creating one more is RESOURCE_EXHAUSTED.
        public var maximumSubscriptions: Int
        /// How a game the schedule has not told of is looked up before its first item is relayed.
        public var scheduleLookupTimeout: Duration
        public var scheduleLookupRetry: Duration

        /// Every setting at its default.
        public init() {
            // The declared defaults are values of their settings (SubscriptionSettingsTests).
            try! self.init(reader: .defaults())
        }

        public init(reader: SettingsReader) throws(SettingsError) {
            server = try GRPCServiceSettings(reader: reader, SubscriptionSettings.service)
            scoreAddress = try reader.read(ServiceAddresses.score)
            scheduleAddress = try reader.read(ServiceAddresses.schedule)
            subscriberQueueCapacity = try reader.read(SubscriptionSettings.subscriberQueue)
            recentEventsPerGame = try reader.read(SubscriptionSettings.recentEvents)
            maximumSubscriptions = try reader.read(SubscriptionSettings.maxSubscriptions)
            scheduleLookupTimeout = try reader.read(ScheduleLookupSettings.timeout)
            scheduleLookupRetry = try reader.read(ScheduleLookupSettings.retry)
        }
    }
}

/// The subscription service's own settings (services/subscription/README.md).
enum SubscriptionSettings {
    static let service = GRPCServiceSettings.Declaration(
        grpcPort: 50053, adminPort: 9103, storage: "Where durable subscriptions live", defaultFile: "data/subscription.sqlite",
        callsOtherServices: true
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
