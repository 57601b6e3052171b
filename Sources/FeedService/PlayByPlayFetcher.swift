import Logging

/// Gets one game's play-by-play (an HTTP server in production; anything in tests).
protocol PlayByPlayFetching: Sendable {
    /// Gets the play-by-play of the game the provider calls `providerGameId`, conditionally on
    /// `validators`.
    func fetch(providerGameId: String, validators: CacheValidators) async throws -> FetchOutcome
}

/// Gets a play-by-play over HTTP(S) from `--pbp-url`, with the scoreboard's request settings:
/// conditional GETs, deadlines, redirects and size limits, but one attempt per poll: a failed
/// game is retried by its own backoff (``FollowedGame``), which honours a `Retry-After`.
struct HTTPPlayByPlayFetcher: PlayByPlayFetching {
    let client: HTTPClient
    let settings: PlayByPlayPollingSettings
    let polling: PollingSettings
    let metrics: FeedMetrics
    let logger: Logger

    func fetch(providerGameId: String, validators: CacheValidators) async throws -> FetchOutcome {
        guard let url = settings.url(providerGameId: providerGameId) else {
            throw HTTPScoreboardFetcher.Failed(description: "--pbp-url makes no URL for game \(providerGameId)")
        }
        var once = polling
        once.attempts = 1
        let fetcher = HTTPScoreboardFetcher(client: client, url: url, settings: once, metrics: metrics, logger: logger)
        return try await fetcher.fetch(validators: validators)
    }
}
