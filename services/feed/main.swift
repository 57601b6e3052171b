// courtside-feed: the feed service. See services/feed/README.md.
import ArgumentParser
import FeedService
import Logging
import ServiceKit

@main
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtside-feed",
        abstract: "Publishes a data source's games and events to the schedule and score services."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Where events come from: \(FeedSourceKind.names) (env COURTSIDE_FEED_SOURCE).")
    var source: String = Environment.string("COURTSIDE_FEED_SOURCE", default: "simulator")

    @Option(help: "host:port of the score service (env COURTSIDE_SCORE_ADDR).")
    var scoreAddr: String = Environment.string("COURTSIDE_SCORE_ADDR", default: "127.0.0.1:50051")

    @Option(help: "host:port of the schedule service (env COURTSIDE_SCHEDULE_ADDR).")
    var scheduleAddr: String = Environment.string("COURTSIDE_SCHEDULE_ADDR", default: "127.0.0.1:50052")

    @Option(help: "Events buffered while score is unavailable; when full the source pauses (env COURTSIDE_FEED_BUFFER_EVENTS).")
    var bufferEvents: Int = Environment.int("COURTSIDE_FEED_BUFFER_EVENTS", default: 10_000)

    @Option(help: "Most events per PublishEvents call (env COURTSIDE_FEED_BATCH_EVENTS).")
    var batchEvents: Int = Environment.int("COURTSIDE_FEED_BATCH_EVENTS", default: 1_000)

    @Option(help: "Simulator: games in play at once (env COURTSIDE_SIM_GAMES).")
    var simGames: Int = Environment.int("COURTSIDE_SIM_GAMES", default: 6)

    @Option(help: "Simulator: wall-clock speed, 1 = real time; 24 plays a game in about 5½ minutes (env COURTSIDE_SIM_SPEED).")
    var simSpeed: Double = Environment.double("COURTSIDE_SIM_SPEED", default: 24)

    @Option(help: "Simulator: seed; default: today's date (YYYYMMDD, US Eastern) (env COURTSIDE_SIM_SEED).")
    var simSeed: UInt64?

    @Option(help: "Simulator: seconds between tip-offs; default: 40% of a game (env COURTSIDE_SIM_STAGGER_SECONDS).")
    var simStaggerSeconds: Double?

    @Option(help: "Simulator: when a game ends, schedule the next one of the slate (env COURTSIDE_SIM_CONTINUOUS).")
    var simContinuous: Bool = Environment.bool("COURTSIDE_SIM_CONTINUOUS", default: true)

    @Option(help: "Replay: the provider's play-by-play or summary JSON file (env COURTSIDE_FEED_FILE).")
    var file: String = Environment.string("COURTSIDE_FEED_FILE", default: "")

    @Option(help: "Replay (nba-pbp): the game's boxscore JSON file (env COURTSIDE_FEED_BOXSCORE).")
    var boxscore: String = Environment.string("COURTSIDE_FEED_BOXSCORE", default: "")

    @Option(help: "Replay: speed, 1 = real time (env COURTSIDE_FEED_SPEED).")
    var speed: Double = Environment.double("COURTSIDE_FEED_SPEED", default: 1)

    @Option(help: "Polling: the scoreboard URL, http or https (env COURTSIDE_FEED_URL).")
    var url: String = Environment.string("COURTSIDE_FEED_URL", default: "")

    @Option(help: "Polling: seconds between polls (env COURTSIDE_POLL_INTERVAL_SECONDS).")
    var pollIntervalSeconds: Double = Environment.double("COURTSIDE_POLL_INTERVAL_SECONDS", default: 10)

    @Option(help: "Polling: deadline of one HTTP request in seconds (env COURTSIDE_POLL_TIMEOUT_SECONDS).")
    var pollTimeoutSeconds: Double = Environment.double("COURTSIDE_POLL_TIMEOUT_SECONDS", default: 10)

    @Option(help: "Polling: attempts per poll, with exponential backoff between them (env COURTSIDE_POLL_ATTEMPTS).")
    var pollAttempts: Int = Environment.int("COURTSIDE_POLL_ATTEMPTS", default: 3)

    @Option(help: "Polling: most redirects followed per request, 0 for none (env COURTSIDE_POLL_MAX_REDIRECTS).")
    var pollMaxRedirects: Int = Environment.int("COURTSIDE_POLL_MAX_REDIRECTS", default: 5)

    @Option(
        help: """
            Polling: hosts a redirect may lead to from another origin, comma-separated; others are refused, \
            and https to http always (env COURTSIDE_REDIRECT_ALLOW_HOSTS).
            """)
    var redirectAllowHosts: String = Environment.string("COURTSIDE_REDIRECT_ALLOW_HOSTS", default: "")

    @Option(help: "Polling: largest response head (status line and headers) in bytes (env COURTSIDE_POLL_MAX_HEAD_BYTES).")
    var pollMaxHeadBytes: Int = Environment.int("COURTSIDE_POLL_MAX_HEAD_BYTES", default: 32 << 10)

    @Option(help: "Polling: largest response body in bytes (env COURTSIDE_POLL_MAX_BODY_BYTES).")
    var pollMaxBodyBytes: Int = Environment.int("COURTSIDE_POLL_MAX_BODY_BYTES", default: 16 << 20)

    /// `--sim-seed`, else `COURTSIDE_SIM_SEED`, else nil (today's date).
    var seed: UInt64? {
        get throws {
            if let simSeed { return simSeed }
            guard let text = Environment.string("COURTSIDE_SIM_SEED") else { return nil }
            guard let value = UInt64(text) else { throw ValidationError("COURTSIDE_SIM_SEED=\(text) is not a non-negative integer") }
            return value
        }
    }

    /// `--sim-stagger-seconds`, else `COURTSIDE_SIM_STAGGER_SECONDS`, else nil (automatic).
    var staggerSeconds: Double? {
        get throws {
            if let simStaggerSeconds { return simStaggerSeconds }
            guard let text = Environment.string("COURTSIDE_SIM_STAGGER_SECONDS") else { return nil }
            guard let value = Double(text) else { throw ValidationError("COURTSIDE_SIM_STAGGER_SECONDS=\(text) is not a number") }
            return value
        }
    }

    func validate() throws {
        guard FeedSourceKind(rawValue: source) != nil else {
            throw ValidationError("--source must be one of \(FeedSourceKind.names) (got '\(source)')")
        }
        try CommonOptions.checkAddress(scoreAddr, "--score-addr")
        try CommonOptions.checkAddress(scheduleAddr, "--schedule-addr")
        guard bufferEvents > 0 else { throw ValidationError("--buffer-events must be positive") }
        guard (1...10_000).contains(batchEvents) else { throw ValidationError("--batch-events must be between 1 and 10000") }
        guard simGames > 0 else { throw ValidationError("--sim-games must be positive") }
        guard simSpeed > 0, simSpeed.isFinite else { throw ValidationError("--sim-speed must be positive") }
        _ = try seed
        if let stagger = try staggerSeconds, !(0...86_400).contains(stagger) {
            throw ValidationError("--sim-stagger-seconds must be between 0 and 86400")
        }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be positive") }
        // Bounded so that the conversions to milliseconds cannot overflow.
        guard pollIntervalSeconds > 0, pollIntervalSeconds <= 86_400 else {
            throw ValidationError("--poll-interval-seconds must be positive and at most 86400")
        }
        guard pollTimeoutSeconds > 0, pollTimeoutSeconds <= 3_600 else {
            throw ValidationError("--poll-timeout-seconds must be positive and at most 3600")
        }
        guard pollAttempts > 0, pollAttempts <= 100 else { throw ValidationError("--poll-attempts must be between 1 and 100") }
        guard (0...20).contains(pollMaxRedirects) else { throw ValidationError("--poll-max-redirects must be between 0 and 20") }
        _ = try allowedRedirectHosts
        guard (1 << 10...1 << 20).contains(pollMaxHeadBytes) else {
            throw ValidationError("--poll-max-head-bytes must be between 1024 and 1048576")
        }
        guard (1 << 10...1 << 30).contains(pollMaxBodyBytes) else {
            throw ValidationError("--poll-max-body-bytes must be between 1024 and 1073741824")
        }
    }

    /// `--redirect-allow-hosts` as a set of host names.
    var allowedRedirectHosts: Set<String> {
        get throws {
            do throws(RedirectPolicy.Refusal) {
                return try RedirectPolicy.hosts(redirectAllowHosts)
            } catch {
                throw ValidationError("--redirect-allow-hosts: \(error)")
            }
        }
    }

    func run() async throws {
        LoggingSetup.bootstrap(
            level: Logger.Level(rawValue: common.logLevel) ?? .info, format: LogFormat(rawValue: common.logFormat) ?? .text)
        let logger = Logger(label: "feed")
        var configuration = FeedConfiguration()
        configuration.host = common.host
        configuration.adminPort = common.adminPort(default: 9105)
        configuration.adminHost = common.adminHost
        configuration.adminLimits = common.adminLimits
        configuration.scoreAddress = scoreAddr
        configuration.scheduleAddress = scheduleAddr
        configuration.source = FeedSourceKind(rawValue: source) ?? .simulator
        configuration.bufferCapacity = bufferEvents
        configuration.publishBatchSize = batchEvents
        configuration.shutdownGrace = common.shutdownGrace
        configuration.simulator.games = simGames
        configuration.simulator.speed = simSpeed
        configuration.simulator.seed = try seed
        configuration.simulator.continuous = simContinuous
        configuration.simulator.stagger = try staggerSeconds.map { .milliseconds(Int64($0 * 1000)) }
        configuration.replay.file = file
        configuration.replay.boxscore = boxscore
        configuration.replay.speed = speed
        configuration.polling.url = url
        configuration.polling.interval = .milliseconds(Int64(pollIntervalSeconds * 1000))
        configuration.polling.requestTimeout = .milliseconds(Int64(pollTimeoutSeconds * 1000))
        configuration.polling.attempts = pollAttempts
        configuration.polling.maximumHeadBytes = pollMaxHeadBytes
        configuration.polling.maximumBodyBytes = pollMaxBodyBytes
        configuration.polling.redirects = RedirectPolicy(maximumRedirects: pollMaxRedirects, allowedHosts: try allowedRedirectHosts)
        let server: FeedServer
        do {
            server = try FeedServer(configuration: configuration, logger: logger)
        } catch let error as FeedConfigurationError {
            throw ValidationError(error.description)
        }
        logger.info(
            "starting",
            metadata: ["source": "\(source)", "score": "\(scoreAddr)", "schedule": "\(scheduleAddr)", "buffer_events": "\(bufferEvents)"]
        )
        try await server.run()
    }
}
