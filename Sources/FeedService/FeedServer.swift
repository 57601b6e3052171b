import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
public import Logging
import NIOCore
import Prometheus
public import ServiceKit
public import ServiceLifecycle

/// Everything the feed service is made of, built from its configuration: the source, the
/// buffer, the publisher, the gRPC clients and the admin server. The executable's `main` and the
/// tests both use it.
public final class FeedServer: CourtsideServer {
    /// What it was built from.
    public let configuration: FeedConfiguration
    /// The process's metrics registry (`/metrics`).
    public let metrics: ServiceMetrics
    /// The feed's own metrics.
    public let feedMetrics: FeedMetrics
    /// `/readyz`: ready while the score service accepts publishes.
    public let readiness: Readiness
    /// The admin server, unless disabled.
    public let adminServer: AdminServer?
    /// The buffer between the source and the publisher.
    public let buffer: FeedBuffer
    /// The lifecycle services, in start order (stopped in reverse on SIGTERM).
    public let services: [any Service]
    let runner: FeedRunner

    /// Builds the feed (nothing runs yet).
    /// - Throws: `FeedConfigurationError` for an address, URL or file that cannot work.
    public static func build(configuration: FeedConfiguration, logger: Logger) throws -> FeedServer {
        let server = try FeedServer(configuration: configuration, logger: logger)
        logger.info(
            "starting",
            metadata: [
                "source": "\(configuration.source.rawValue)", "score": "\(configuration.scoreAddress)",
                "schedule": "\(configuration.scheduleAddress)", "buffer_events": "\(configuration.bufferCapacity)",
            ]
        )
        return server
    }

    private init(configuration: FeedConfiguration, logger: Logger) throws {
        self.configuration = configuration
        try Self.validate(configuration)
        let credentials = try ServiceClientCredentials(tls: configuration.clientTLS, tokenFile: configuration.tokenFile, logger: logger)
        guard var scoreAddress = GRPCClient.Configuration(address: configuration.scoreAddress) else {
            throw FeedConfigurationError("score address '\(configuration.scoreAddress)' is not host:port")
        }
        guard var scheduleAddress = GRPCClient.Configuration(address: configuration.scheduleAddress) else {
            throw FeedConfigurationError("schedule address '\(configuration.scheduleAddress)' is not host:port")
        }
        scoreAddress.tls = credentials.tls
        scheduleAddress.tls = credentials.tls
        scoreAddress.credentials = credentials.token
        scheduleAddress.credentials = credentials.token
        let metrics = ServiceMetrics(service: "feed")
        self.metrics = metrics
        let feedMetrics = FeedMetrics(metrics, source: configuration.source)
        self.feedMetrics = feedMetrics
        feedMetrics.bufferCapacity.set(to: Double(configuration.bufferCapacity))
        let readiness = Readiness()
        self.readiness = readiness
        let buffer = FeedBuffer(capacity: configuration.bufferCapacity) { depth in feedMetrics.bufferDepth.set(to: Double(depth)) }
        self.buffer = buffer

        let scoreClient = GRPCClient(configuration: scoreAddress, logger: logger)
        let scheduleClient = GRPCClient(configuration: scheduleAddress, logger: logger)
        let stop = StopDeadline()
        let availability = ScoreAvailability(metrics: feedMetrics, logger: logger)
        let scoreRetrier = Retrier(
            initial: configuration.retryInitial, maximum: configuration.retryMaximum, stop: stop, metrics: feedMetrics,
            logger: logger, onOutcome: { availability.record(answered: $0) }
        )
        let scheduleRetrier = Retrier(
            initial: configuration.retryInitial, maximum: configuration.retryMaximum, stop: stop, metrics: feedMetrics, logger: logger
        )
        let schedule = ScheduleServiceClient(scheduleClient)
        let publisher = ScorePublisher(
            buffer: buffer,
            score: ScoreServiceClient(scoreClient),
            upserter: GameUpserter(
                schedule: schedule, retrier: scheduleRetrier, callTimeout: configuration.callTimeout, metrics: feedMetrics, logger: logger
            ),
            retrier: scoreRetrier,
            batchSize: configuration.publishBatchSize,
            callTimeout: configuration.callTimeout,
            metrics: feedMetrics,
            logger: logger
        )
        let context = FeedContext(
            kind: configuration.source,
            progress: ScoreProgress(score: ScoreServiceClient(scoreClient), retrier: scoreRetrier, callTimeout: configuration.callTimeout),
            schedule: schedule,
            scheduleRetrier: scheduleRetrier,
            callTimeout: configuration.callTimeout,
            metrics: feedMetrics,
            logger: logger
        )
        let source = try Self.makeSource(configuration, context: context)
        readiness.addCheck("score service") { availability.isAvailable }

        let adminServer = configuration.admin.server(metrics: metrics, readiness: readiness, logger: logger)
        self.adminServer = adminServer
        runner = FeedRunner(
            source: source,
            sink: FeedSink(buffer: buffer, metrics: feedMetrics),
            buffer: buffer,
            publisher: publisher,
            health: HealthClient(scoreClient),
            availability: availability,
            clients: [scoreClient, scheduleClient],
            stop: stop,
            readiness: readiness,
            grace: configuration.shutdownGrace,
            logger: logger
        )
        services = AdminServerService.first(adminServer, then: [runner])
    }

    /// The admin port, once listening.
    public var adminPort: Int? { adminServer?.localAddress?.port }

    /// Whether the source has ended (a replay played its last event).
    public var isSourceFinished: Bool { runner.isSourceFinished }

    /// Whether the score service answered the last call.
    public var isScoreAvailable: Bool { runner.availability.isAvailable }

    private static func validate(_ configuration: FeedConfiguration) throws {
        guard configuration.bufferCapacity > 0 else { throw FeedConfigurationError("the buffer must hold at least one event") }
        guard configuration.publishBatchSize > 0 else { throw FeedConfigurationError("the publish batch size must be positive") }
        switch configuration.source {
        case .simulator:
            let simulator = configuration.simulator
            guard simulator.games > 0 else { throw FeedConfigurationError("--sim-games must be positive") }
            guard simulator.speed > 0, simulator.speed.isFinite else { throw FeedConfigurationError("--sim-speed must be positive") }
        case .nbaPlayByPlay, .espnSummary, .sportradarPlayByPlay, .sportradarPlayByPlayXML:
            let replay = configuration.replay
            guard !replay.file.isEmpty else {
                throw FeedConfigurationError("--file is required for --source \(configuration.source.rawValue)")
            }
            _ = try ReplaySource.read(replay.file)
            if configuration.source == .nbaPlayByPlay {
                guard !replay.boxscore.isEmpty else { throw FeedConfigurationError("--boxscore is required for --source nba-pbp") }
                _ = try ReplaySource.read(replay.boxscore)
            }
            guard replay.speed > 0, replay.speed.isFinite else { throw FeedConfigurationError("--speed must be positive") }
        case .espnScoreboard, .nbaScoreboard, .theSportsDBLivescore:
            guard HTTPURL(configuration.polling.url) != nil else {
                throw FeedConfigurationError("--url must be an http:// or https:// URL (got '\(configuration.polling.url)')")
            }
            let polling = configuration.polling
            guard polling.interval > .zero else { throw FeedConfigurationError("--poll-interval-seconds must be positive") }
            guard polling.requestTimeout > .zero else { throw FeedConfigurationError("--poll-timeout-seconds must be positive") }
            guard polling.maximumHeadBytes > 0 else { throw FeedConfigurationError("--poll-max-head-bytes must be positive") }
            guard polling.maximumBodyBytes > 0 else { throw FeedConfigurationError("--poll-max-body-bytes must be positive") }
            guard polling.redirects.maximumRedirects >= 0 else {
                throw FeedConfigurationError("--poll-max-redirects must not be negative")
            }
            let playByPlay = configuration.playByPlay
            if playByPlay.isEnabled, configuration.source == .theSportsDBLivescore {
                throw FeedConfigurationError(
                    "--pbp-url cannot be used with --source thesportsdb-livescore: TheSportsDB has no play-by-play")
            }
            if playByPlay.isEnabled, playByPlay.url(providerGameId: "0") == nil {
                throw FeedConfigurationError(
                    "--pbp-url must be an http:// or https:// URL with \(PlayByPlayPollingSettings.placeholder) for the game id (got '\(playByPlay.urlTemplate)')"
                )
            }
        }
    }

    private static func makeSource(_ configuration: FeedConfiguration, context: FeedContext) throws -> any FeedSource {
        switch configuration.source {
        case .simulator:
            return SimulatorSource(settings: configuration.simulator, context: context, batchSize: configuration.publishBatchSize)
        case .nbaPlayByPlay, .espnSummary, .sportradarPlayByPlay, .sportradarPlayByPlayXML:
            return ReplaySource(
                kind: configuration.source, settings: configuration.replay, context: context, batchSize: configuration.publishBatchSize)
        case .espnScoreboard, .nbaScoreboard, .theSportsDBLivescore:
            guard let url = HTTPURL(configuration.polling.url) else { throw FeedConfigurationError("bad --url") }
            let client = HTTPClient()
            let fetcher = HTTPScoreboardFetcher(
                client: client, url: url, settings: configuration.polling, metrics: context.metrics, logger: context.logger)
            let path = String(url.target.prefix { $0 != "?" })
            var poller = ScoreboardPoller(
                kind: configuration.source, fetcher: fetcher, interval: configuration.polling.interval, context: context,
                league: Leagues.league(espnPath: path))
            if configuration.playByPlay.isEnabled {
                let progress = context.progress
                poller.playByPlay = PlayByPlayPoller(
                    kind: configuration.source,
                    fetcher: HTTPPlayByPlayFetcher(
                        client: client, settings: configuration.playByPlay, polling: configuration.polling,
                        metrics: context.metrics, logger: context.logger
                    ),
                    interval: configuration.polling.interval,
                    concurrency: configuration.playByPlay.concurrency,
                    metrics: context.metrics,
                    logger: context.logger,
                    storedEvents: { gameId in try await progress.events(of: gameId) }
                )
            }
            return poller
        }
    }
}

/// A configuration the feed cannot work with stops the program as a usage error (exit 64).
extension FeedConfigurationError: UsageError {}
