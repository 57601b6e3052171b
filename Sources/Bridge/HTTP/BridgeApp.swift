import Logging
import NIOCore
import Synchronization

/// What every connection's handlers share: the configuration, the access policy, the page,
/// the JSON API and the hubs.
final class BridgeApp: Sendable {
    let configuration: BridgeConfiguration
    let policy: AccessPolicy
    let statics: StaticFiles
    let api: JSONAPI
    /// The JSON API's per-client request rate; nil when unlimited.
    let apiRateLimit: APIRateLimit?
    let hubs: HubRegistry
    let metrics: BridgeMetrics
    /// Connection tokens and private games (the JSON API and SSE check them here).
    let authority: ConnectionAuthority
    let logger: Logger
    private let draining = Atomic(false)

    init(
        configuration: BridgeConfiguration, policy: AccessPolicy, statics: StaticFiles, api: JSONAPI, hubs: HubRegistry,
        metrics: BridgeMetrics,
        authority: ConnectionAuthority? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.policy = policy
        self.statics = statics
        self.api = api
        self.apiRateLimit = configuration.apiRequestsPerSecond > 0 ? APIRateLimit(perSecond: configuration.apiRequestsPerSecond) : nil
        self.hubs = hubs
        self.metrics = metrics
        self.authority = authority ?? ConnectionAuthority(configuration: configuration, metrics: metrics, logger: logger)
        self.logger = logger
    }

    /// Shutting down: new WebSockets and streams are refused.
    var isDraining: Bool {
        get { draining.load(ordering: .acquiring) }
        set { draining.store(newValue, ordering: .releasing) }
    }
}
