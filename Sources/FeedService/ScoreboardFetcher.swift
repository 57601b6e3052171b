import Logging
import NIOHTTP1

/// The validators of the last accepted response: sent back as `If-None-Match` and
/// `If-Modified-Since`, so that an unchanged scoreboard costs a 304 and no parsing.
public struct CacheValidators: Sendable, Hashable {
    /// The `ETag` the server sent.
    public var etag: String?
    /// The `Last-Modified` the server sent.
    public var lastModified: String?

    /// Validators (none by default).
    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// What one poll got.
public enum FetchOutcome: Sendable {
    /// 304: nothing changed since the validators' response.
    case notModified
    /// A new body with its validators.
    case body([UInt8], CacheValidators)
}

/// Gets a scoreboard (an HTTP server in production; anything in tests).
public protocol ScoreboardFetching: Sendable {
    /// Gets the scoreboard, conditionally on `validators`.
    func fetch(validators: CacheValidators) async throws -> FetchOutcome
}

/// Gets a scoreboard over HTTP(S): conditional GETs, a deadline per request, and retries with
/// exponential backoff on failures worth retrying (network errors, timeouts, 5xx, 429).
struct HTTPScoreboardFetcher: ScoreboardFetching {
    /// A response that is not a scoreboard (a 4xx other than 429, or too many failures).
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    let client: HTTPClient
    let url: HTTPURL
    let settings: PollingSettings
    let metrics: FeedMetrics
    let logger: Logger

    func fetch(validators: CacheValidators) async throws -> FetchOutcome {
        var headers = [("Accept", "application/json")]
        if let etag = validators.etag { headers.append(("If-None-Match", etag)) }
        if let lastModified = validators.lastModified { headers.append(("If-Modified-Since", lastModified)) }
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(8))
        var lastProblem = ""
        for attempt in 1...max(1, settings.attempts) {
            if attempt > 1 { try await Task.sleep(for: backoff.next()) }
            do {
                let response = try await client.get(
                    url, headers: headers, timeout: settings.requestTimeout, maximumBodyBytes: settings.maximumBodyBytes)
                switch response.status {
                case 304:
                    return .notModified
                case 200..<300:
                    let fresh = CacheValidators(
                        etag: response.headers.first(name: "etag"),
                        lastModified: response.headers.first(name: "last-modified")
                    )
                    return .body(response.body, fresh)
                case 429, 500...599:
                    metrics.pollError(reason: "status")
                    lastProblem = "HTTP \(response.status)"
                default:
                    metrics.pollError(reason: "status")
                    throw Failed(description: "HTTP \(response.status) from \(url)")
                }
            } catch let failure as HTTPClient.Failure {
                if Task.isCancelled { throw CancellationError() }
                metrics.pollError(reason: failure.reason)
                lastProblem = failure.description
            }
            logger.debug("scoreboard request failed", metadata: ["url": "\(url)", "attempt": "\(attempt)", "error": "\(lastProblem)"])
        }
        throw Failed(description: "\(url): \(lastProblem) (after \(max(1, settings.attempts)) attempts)")
    }
}
