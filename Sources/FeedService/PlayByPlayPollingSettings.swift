import Foundation

/// Which play-by-play to poll for the games a scoreboard shows live (`--pbp-url`,
/// `--pbp-concurrency`); polled at `--poll-interval-seconds` with the scoreboard's HTTP settings.
public struct PlayByPlayPollingSettings: Sendable {
    /// The play-by-play URL with `{id}` where the provider's game id goes, e.g.
    /// `https://cdn.nba.com/static/json/liveData/playbyplay/playbyplay_{id}.json` (nba-scoreboard)
    /// or `https://site.api.espn.com/apis/site/v2/sports/basketball/nba/summary?event={id}`
    /// (espn-scoreboard). Empty: no play-by-play polling, live games follow the scoreboard.
    public var urlTemplate = ""
    /// Most play-by-play requests in flight at once: 1…64 (`--pbp-concurrency` checks it).
    public var concurrency = 4

    /// The placeholder of the provider's game id.
    public static let placeholder = "{id}"

    /// No play-by-play polling, 4 requests at once.
    public init() {}

    /// Whether play-by-play polling is on.
    public var isEnabled: Bool { !urlTemplate.isEmpty }

    /// The URL of one game's play-by-play; nil when the template does not make an http(s) URL.
    public func url(providerGameId: String) -> HTTPURL? {
        guard urlTemplate.contains(Self.placeholder) else { return nil }
        return HTTPURL(urlTemplate.replacingOccurrences(of: Self.placeholder, with: providerGameId))
    }
}
