public import GRPCServiceKit
public import ServiceKit

extension ScoreServer {
    /// Everything the score service is built from: the settings every gRPC service has
    /// (``GRPCServiceSettings``) and its own, declared below and documented in
    /// services/score/README.md; read by `courtside-score` and set directly by tests.
    public struct Configuration: GRPCServiceConfiguration {
        public var server: GRPCServiceSettings
        /// host:port of the schedule service (ignored when a directory is injected).
        public var scheduleAddress: String
        public var engine = ScoreEngine.Configuration()
        public var maximumMessageSize: Int

        /// Every setting at its default.
        public init() {
            // The declared defaults are values of their settings (ScoreSettingsTests).
            try! self.init(reader: .defaults())
        }

        public init(reader: SettingsReader) throws(SettingsError) {
            server = try GRPCServiceSettings(reader: reader, ScoreSettings.service)
            scheduleAddress = try reader.read(ServiceAddresses.schedule)
            engine.historyLimit = try reader.read(ScoreSettings.historyLimit)
            engine.subscriberQueueCapacity = try reader.read(ScoreSettings.subscriberQueue)
            maximumMessageSize = try reader.read(ScoreSettings.maxMessageBytes)
        }
    }
}

/// The score service's own settings (services/score/README.md); the engine's defaults are
/// `ScoreEngine.Configuration`'s.
enum ScoreSettings {
    static let service = GRPCServiceSettings.Declaration(
        grpcPort: 50051, adminPort: 9101, storage: "Where the score log lives", defaultFile: "data/score.sqlite", callsOtherServices: true
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
