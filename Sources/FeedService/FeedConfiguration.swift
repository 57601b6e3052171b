import CourtsideDomain
public import CourtsideProto
public import GRPC
public import ServiceKit

/// Everything a feed process is built from: its settings (declared in FeedSettings.swift,
/// documented in services/feed/README.md), read by `courtside-feed` and set directly by tests
/// (port 0 for an ephemeral admin port). The feed listens only on its admin port, so it has no
/// `--host`.
public struct FeedConfiguration: ServiceConfiguration {
    /// The admin port: /metrics, /healthz, /readyz.
    public var admin: AdminSettings
    /// host:port of the score service, where events are published.
    public var scoreAddress: String
    /// host:port of the schedule service, where games are upserted.
    public var scheduleAddress: String
    /// TLS to the score and schedule services; nil: cleartext h2c.
    public var clientTLS: ClientTLSFiles?
    /// The data source.
    public var source: FeedSourceKind
    /// Settings of the simulator source.
    public var simulator = SimulatorSettings()
    /// Settings of the replay sources.
    public var replay = ReplaySettings()
    /// Settings of the scoreboard-polling sources.
    public var polling = PollingSettings()
    /// Play-by-play polling of the games a scoreboard shows live.
    public var playByPlay = PlayByPlayPollingSettings()
    /// Most events waiting to be published; when the buffer is full the source is paused (the
    /// simulator's clock stops, polling waits), nothing is dropped.
    public var bufferCapacity: Int
    /// Most events in one `PublishEvents` request.
    public var publishBatchSize: Int
    /// Deadline of each call to the score and schedule services.
    public var callTimeout: Duration = .seconds(10)
    /// Waits between retries of a failed call: doubled from `retryInitial` up to `retryMaximum`.
    public var retryInitial: Duration = .milliseconds(100)
    /// The longest wait between retries.
    public var retryMaximum: Duration = .seconds(5)
    /// After SIGTERM: how long the buffer may take to flush before the process exits anyway.
    public var shutdownGrace: Duration
    public var log: LogSettings
    /// The bearer token presented to the services this one calls (`--token-file`; empty: none).
    public var tokenFile = ""

    /// The defaults: the simulator, score at 127.0.0.1:50051, schedule at 127.0.0.1:50052, admin 9105.
    public init() {
        // The declared defaults are values of their settings (FeedSettingsTests).
        try! self.init(reader: .defaults())
    }
}

/// How the simulator plays (`--sim-*`, `COURTSIDE_SIM_*`).
public struct SimulatorSettings: Sendable {
    /// Games in play at once (live or about to tip off).
    public var games = 6
    /// Wall-clock speed: 1 is real time. The default 24 plays a game, breaks included, in about
    /// five and a half minutes (48 game minutes in 2).
    public var speed: Double = 24
    /// The seed; nil derives it from today's date (US Eastern), so every run of a day plays the
    /// same games and a restart continues them.
    public var seed: UInt64?
    /// Time between two tip-offs; nil: about 40% of a game's length, so that at start-up one game is
    /// already final, three are live and the rest tip off over the next minutes.
    public var stagger: Duration?
    /// When a game ends, start the next game of the slate (so the feed never runs dry). Tests turn
    /// it off to play a fixed number of games.
    public var continuous = true
    /// Whether breaks (free throws, timeouts, halftime) take wall time too.
    public var includeStoppages = true
    /// The slate's reference time, ms since the epoch (its date names the games); nil: now.
    public var startTimeMs: Int64?
    /// The leagues the games are drawn from, taking turns (leagues with seed teams:
    /// ``GameSimulator/leagues``). By default the NBA and the WNBA, so a page shows both.
    public var leagues: [League] = [Leagues.nba, Leagues.wnba]

    /// The defaults: 6 games of the NBA and the WNBA at speed 24, seeded by today's date,
    /// staggered, continuous.
    public init() {}
}

/// Which recorded game to replay and how fast (`--file`, `--boxscore`, `--speed`, `--league`).
public struct ReplaySettings: Sendable {
    /// The provider's play-by-play (or summary) JSON file.
    public var file = ""
    /// NBA only: the game's boxscore JSON file (it names the home and away teams).
    public var boxscore = ""
    /// 1 is real time (the provider's timestamps); 60 plays a game in a few minutes.
    public var speed: Double = 1
    /// The game's league for the sources whose payload does not carry it (Sportradar; an ESPN
    /// summary without a league slug); nil: the NBA. NBA live data names its league in the game id.
    public var league: League?

    /// An empty configuration (a file must be set).
    public init() {}
}

/// Which scoreboard to poll and how (`--url`, `--poll-interval-seconds`).
public struct PollingSettings: Sendable {
    /// The scoreboard's URL (http or https).
    public var url = ""
    /// Time between two polls.
    public var interval: Duration = .seconds(10)
    /// Deadline of one HTTP request (connect, TLS, response).
    public var requestTimeout: Duration = .seconds(10)
    /// Attempts per poll (a failed attempt is retried with backoff; then the poll is skipped).
    public var attempts = 3
    /// Largest response body accepted (a larger Content-Length is refused before the body is read).
    public var maximumBodyBytes = 16 << 20
    /// Largest response head accepted: status line and headers (and a chunked body's trailers).
    public var maximumHeadBytes = 32 << 10
    /// Which redirects are followed: how many, and to which other hosts.
    public var redirects = RedirectPolicy()

    /// An empty configuration (a URL must be set).
    public init() {}
}
