import CourtsideDomain
import CourtsideProto
import FeedSources
public import ServiceKit

extension FeedConfiguration {
    public init(reader: SettingsReader) throws(SettingsError) {
        typealias S = FeedSettings
        source = try reader.read(S.source)
        scoreAddress = try reader.read(ServiceAddresses.score)
        scheduleAddress = try reader.read(ServiceAddresses.schedule)
        clientTLS = try GRPCClientSettings.tls(from: reader)
        bufferCapacity = try reader.read(S.bufferEvents)
        publishBatchSize = try reader.read(S.batchEvents)
        simulator.games = try reader.read(S.simGames)
        simulator.speed = try reader.read(S.simSpeed)
        simulator.seed = try reader.read(S.simSeed)
        simulator.stagger = try reader.read(S.simStagger)
        simulator.continuous = try reader.read(S.simContinuous)
        simulator.leagues = try reader.read(S.simLeagues)
        replay.file = try reader.read(S.file)
        replay.boxscore = try reader.read(S.boxscore)
        replay.speed = try reader.read(S.speed)
        replay.league = try reader.read(S.league)
        if let league = replay.league, !source.readsLeague {
            // A league the source would ignore is a mistake to report: the operator expects its
            // games in that league, and they would not be.
            throw reader.refuse(
                S.league,
                "is not read by --source \(source.rawValue) (\(source.leagueOrigin)); only by --source "
                    + "\(FeedSourceKind.leagueReaders.map(\.rawValue).joined(separator: ", ")) (got '\(league.id)')"
            )
        }
        polling.url = try reader.read(S.url)
        polling.interval = try reader.read(S.pollInterval)
        polling.requestTimeout = try reader.read(S.pollTimeout)
        polling.attempts = try reader.read(S.pollAttempts)
        polling.redirects = RedirectPolicy(
            maximumRedirects: try reader.read(S.pollMaxRedirects), allowedHosts: try reader.read(S.redirectAllowHosts))
        polling.maximumHeadBytes = try reader.read(S.pollMaxHeadBytes)
        polling.maximumBodyBytes = try reader.read(S.pollMaxBodyBytes)
        playByPlay.urlTemplate = try reader.read(S.pbpURL)
        playByPlay.concurrency = try reader.read(S.pbpConcurrency)
        admin = try AdminSettings(reader: reader, defaultPort: S.adminPort)
        log = try LogSettings(reader: reader)
        tokenFile = try reader.read(ClientCredentialSettings.tokenFile)
        shutdownGrace = try reader.read(CommonSettings.shutdownGrace)
    }
}

/// The feed's own settings (services/feed/README.md). Several keep the environment variables
/// they had before their flags were named; the defaults of the sources' settings are those of
/// `SimulatorSettings`, `ReplaySettings` and `PollingSettings`.
enum FeedSettings {
    static let source = Setting<FeedSourceKind>.choice(
        "source", environment: "COURTSIDE_FEED_SOURCE", default: .simulator, help: "Where events come from."
    )
    static let bufferEvents = Setting.integer(
        "buffer-events", environment: "COURTSIDE_FEED_BUFFER_EVENTS", default: 10_000, in: 1...Int.max,
        help: "Events buffered while score is unavailable; when full the source pauses."
    )
    static let batchEvents = Setting.integer(
        "batch-events", environment: "COURTSIDE_FEED_BATCH_EVENTS", default: 1_000, in: 1...10_000,
        help: "Most events per PublishEvents call."
    )
    static let simGames = Setting.integer(
        "sim-games", default: SimulatorSettings().games, in: 1...Int.max, help: "Simulator: games in play at once."
    )
    static let simSpeed = Setting.number(
        "sim-speed", default: SimulatorSettings().speed, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude,
        help: "Simulator: wall-clock speed, 1 = real time; 24 plays a game in about 5½ minutes."
    )
    static let simSeed = Setting<UInt64?>(
        "sim-seed", default: SimulatorSettings().seed, defaultText: "today's date",
        help: "Simulator: seed; default: today's date (YYYYMMDD, US Eastern).",
        placeholder: "n"
    ) { text throws(SettingProblem) in
        guard let seed = UInt64(text) else { throw .malformed("is not a non-negative integer") }
        return seed
    }
    static let simStagger = Setting<Duration?>.seconds(
        "sim-stagger-seconds", unsetText: "about 40% of a game", in: 0...86_400,
        help: "Simulator: seconds between tip-offs; default: about 40% of a game."
    )
    static let simContinuous = Setting.switch(
        "sim-continuous", default: SimulatorSettings().continuous, help: "Simulator: when a game ends, schedule the next one of the slate."
    )
    static let simLeagues = Setting<[League]>(
        "sim-leagues", default: SimulatorSettings().leagues, defaultText: SimulatorSettings().leagues.map(\.id).joined(separator: ","),
        help: "Simulator: the leagues games are drawn from, comma-separated, taking turns. Any of "
            + "\(GameSimulator.leagues.map(\.id).joined(separator: ", ")) (the leagues with seed teams).",
        placeholder: "a,b,…"
    ) { text throws(SettingProblem) in
        let ids = SettingList.entries(text)
        guard !ids.isEmpty else { throw .rejected("names no league") }
        var leagues: [League] = []
        for id in ids {
            guard let league = GameSimulator.leagues.first(where: { $0.id == id }) else {
                let known = GameSimulator.leagues.map(\.id).joined(separator: ", ")
                throw .rejected("'\(id.prefix(64))' is not a league the simulator plays (it plays: \(known))")
            }
            guard !leagues.contains(league) else { throw .rejected("names '\(id)' twice") }
            leagues.append(league)
        }
        return leagues
    }
    static let file = Setting.text(
        "file", environment: "COURTSIDE_FEED_FILE", default: ReplaySettings().file,
        help: "Replay: the provider's play-by-play or summary file (JSON; XML for sportradar-pbp-xml)."
    )
    static let boxscore = Setting.text(
        "boxscore", environment: "COURTSIDE_FEED_BOXSCORE", default: ReplaySettings().boxscore,
        help: "Replay (nba-pbp): the game's boxscore JSON file."
    )
    static let speed = Setting.number(
        "speed", environment: "COURTSIDE_FEED_SPEED", default: ReplaySettings().speed,
        in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude,
        help: "Replay: speed, 1 = real time."
    )
    static let league = Setting<League?>(
        "league", environment: "COURTSIDE_FEED_LEAGUE", default: nil, defaultText: "none",
        help: "Replay (sportradar-pbp, sportradar-pbp-xml; espn-summary when its payload names none): the game's league id; "
            + "none: the NBA. One of \(Leagues.all.map(\.id).joined(separator: ", ")). Refused with any other --source; "
            + "an espn-summary naming another league is refused.",
        placeholder: "id"
    ) { text throws(SettingProblem) in
        guard let league = Leagues.league(id: text) else {
            throw .rejected("'\(text.prefix(64))' is not a known league (known: \(Leagues.all.map(\.id).joined(separator: ", ")))")
        }
        return league
    }
    static let url = Setting.text(
        "url", environment: "COURTSIDE_FEED_URL", default: PollingSettings().url, help: "Polling: the scoreboard URL, http or https.")
    static let pollInterval = Setting.seconds(
        "poll-interval-seconds", default: PollingSettings().interval, in: 0.001...86_400, help: "Polling: seconds between polls."
    )
    static let pollTimeout = Setting.seconds(
        "poll-timeout-seconds", default: PollingSettings().requestTimeout, in: 0.001...3_600,
        help: "Polling: deadline of one HTTP request in seconds: connect, TLS, the whole response."
    )
    static let pollAttempts = Setting.integer(
        "poll-attempts", default: PollingSettings().attempts, in: 1...100,
        help: "Polling: attempts per poll, with exponential backoff between them."
    )
    static let pollMaxRedirects = Setting.integer(
        "poll-max-redirects", default: RedirectPolicy().maximumRedirects, in: 0...20,
        help: "Polling: most redirects followed per request, 0 for none."
    )
    static let redirectAllowHosts = Setting<Set<String>>.list(
        "redirect-allow-hosts", default: RedirectPolicy().allowedHosts,
        help: "Polling: hosts a redirect may lead to from another origin, comma-separated; others are refused, and https to http always."
    ) { entries throws(SettingProblem) in
        do throws(RedirectPolicy.Refusal) {
            return try RedirectPolicy.hosts(entries.joined(separator: ","))
        } catch {
            throw .rejected(error.description)
        }
    }
    static let pollMaxHeadBytes = Setting.integer(
        "poll-max-head-bytes", default: PollingSettings().maximumHeadBytes, in: (1 << 10)...(1 << 20),
        help: "Polling: largest response head (status line and headers) in bytes."
    )
    static let pollMaxBodyBytes = Setting.integer(
        "poll-max-body-bytes", default: PollingSettings().maximumBodyBytes, in: (1 << 10)...(1 << 30),
        help: "Polling: largest response body in bytes."
    )
    static let pbpURL = Setting.text(
        "pbp-url", default: PlayByPlayPollingSettings().urlTemplate,
        help: "Polling: play-by-play URL of a live game, {id} standing for the provider's game id; none: scoreboard changes only."
    )
    static let pbpConcurrency = Setting.integer(
        "pbp-concurrency", default: PlayByPlayPollingSettings().concurrency, in: 1...64,
        help: "Polling: most play-by-play requests in flight at once."
    )
    static let adminPort = 9105
}
