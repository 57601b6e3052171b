import Logging

/// Gets one game's play-by-play (an HTTP server in production; anything in tests).
protocol PlayByPlayFetching: Sendable {
    /// Gets the play-by-play of the game the provider calls `providerGameId`, conditionally on
    /// `validators`.
    func fetch(providerGameId: String, validators: CacheValidators) async throws -> FetchOutcome
}

/// Gets a play-by-play over HTTP(S) from `--pbp-url`, with the scoreboard's request settings:
/// conditional GETs, deadlines, retries, redirects and size limits.
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
        let fetcher = HTTPScoreboardFetcher(client: client, url: url, settings: polling, metrics: metrics, logger: logger)
        return try await fetcher.fetch(validators: validators)
    }
}
