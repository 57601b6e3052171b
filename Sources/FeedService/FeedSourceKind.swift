/// Where a feed's events come from (`--source`, `COURTSIDE_FEED_SOURCE`).
public enum FeedSourceKind: String, CaseIterable, Sendable {
    /// The built-in game simulator: a slate of seeded games, started one after another.
    case simulator
    /// A replay of NBA live data's play-by-play (`--file`) with the game's boxscore (`--boxscore`).
    case nbaPlayByPlay = "nba-pbp"
    /// A replay of ESPN's game summary (`--file`).
    case espnSummary = "espn-summary"
    /// A replay of Sportradar's play-by-play JSON (`--file`).
    case sportradarPlayByPlay = "sportradar-pbp"
    /// A replay of Sportradar's play-by-play XML (`--file`).
    case sportradarPlayByPlayXML = "sportradar-pbp-xml"
    /// Polling ESPN's scoreboard JSON (`--url`).
    case espnScoreboard = "espn-scoreboard"
    /// Polling NBA live data's scoreboard JSON (`--url`): the NBA's, the WNBA's or the G League's.
    case nbaScoreboard = "nba-scoreboard"
    /// Polling TheSportsDB's basketball livescore JSON (`--url`).
    case theSportsDBLivescore = "thesportsdb-livescore"

    /// Whether the source replays a recorded game from a file.
    public var isReplay: Bool {
        switch self {
        case .nbaPlayByPlay, .espnSummary, .sportradarPlayByPlay, .sportradarPlayByPlayXML: true
        default: false
        }
    }

    /// Whether the source polls a scoreboard over HTTP.
    public var isPolling: Bool {
        switch self {
        case .espnScoreboard, .nbaScoreboard, .theSportsDBLivescore: true
        default: false
        }
    }

    /// Whether the source reads `--league`: the replays whose payload may not name its game's
    /// league (Sportradar's never does; an ESPN summary may lack `header.league.slug`).
    public var readsLeague: Bool {
        switch self {
        case .espnSummary, .sportradarPlayByPlay, .sportradarPlayByPlayXML: true
        default: false
        }
    }

    /// Where the source's games take their league from, for the message refusing `--league`
    /// with a source that does not read it.
    var leagueOrigin: String {
        switch self {
        case .simulator: "--sim-leagues names the simulator's leagues"
        case .nbaPlayByPlay, .nbaScoreboard: "NBA live data's game id names the league"
        case .espnScoreboard: "the payload's leagues[0].slug, else the --url path, names the league"
        case .theSportsDBLivescore: "each entry's idLeague names the league"
        case .espnSummary: "the payload's header.league.slug, else --league, names the league"
        case .sportradarPlayByPlay, .sportradarPlayByPlayXML: "--league names the league"
        }
    }

    /// The sources that read `--league`, for help texts and error messages.
    public static var leagueReaders: [FeedSourceKind] { allCases.filter(\.readsLeague) }

    /// Every accepted value, for help texts and error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
