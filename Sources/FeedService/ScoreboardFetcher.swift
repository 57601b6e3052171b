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

extension CacheValidators {
    /// The validators of a response, each kept only when it can be sent back as it is: one
    /// header, visible ASCII (an ETag without spaces), and short. A hostile value is dropped (the
    /// next poll is then unconditional) rather than echoed into the next request.
    init(checking headers: HTTPHeaders) {
        self.init(
            etag: Self.single(headers["etag"], maximumBytes: 256, allowSpaces: false),
            lastModified: Self.single(headers["last-modified"], maximumBytes: 64, allowSpaces: true)
        )
    }

    private static func single(_ values: [String], maximumBytes: Int, allowSpaces: Bool) -> String? {
        guard values.count == 1, let value = values.first, !value.isEmpty, value.utf8.count <= maximumBytes,
            value.utf8.allSatisfy({ (0x21...0x7E).contains($0) || (allowSpaces && $0 == 0x20) })
        else { return nil }
        return value
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
/// exponential backoff on failures worth retrying (network errors, timeouts, cut bodies, 5xx,
/// 429; a `Retry-After` of up to a minute is honoured). A refused response (a redirect elsewhere,
/// a body over budget, an unusable head) fails the poll at once.
struct HTTPScoreboardFetcher: ScoreboardFetching {
    /// A response that is not a scoreboard (a 4xx other than 429, or too many failures).
    struct Failed: Error, CustomStringConvertible {
        let description: String
        /// The wait the server asked for (`Retry-After`) with its last answer, if any.
        var retryAfter: Duration? = nil
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
        var serverAskedToWait: Duration?
        var lastProblem = ""
        for attempt in 1...max(1, settings.attempts) {
            if attempt > 1 { try await Task.sleep(for: max(backoff.next(), serverAskedToWait ?? .zero)) }
            serverAskedToWait = nil
            do {
                let response = try await client.get(url, headers: headers, limits: HTTPClient.Limits(settings))
                switch response.status {
                case 304:
                    return .notModified
                case 200..<300:
                    return .body(response.body, CacheValidators(checking: response.headers))
                case 429, 500...599:
                    metrics.pollError(reason: "status")
                    lastProblem = "HTTP \(response.status)"
                    serverAskedToWait = RetryAfter.delay(response.headers["retry-after"])
                default:
                    metrics.pollError(reason: "status")
                    throw Failed(description: "HTTP \(response.status) from \(url)")
                }
            } catch let failure as HTTPClient.Failure {
                if Task.isCancelled { throw CancellationError() }
                metrics.pollError(reason: failure.reason)
                // Refused answers (a redirect elsewhere, a body too large) would be the same again.
                guard failure.isTransient else { throw Failed(description: "\(url): \(failure)") }
                lastProblem = failure.description
            }
            logger.info("scoreboard request failed", metadata: ["url": "\(url)", "attempt": "\(attempt)", "error": "\(lastProblem)"])
        }
        throw Failed(
            description: "\(url): \(lastProblem) (after \(max(1, settings.attempts)) attempts)", retryAfter: serverAskedToWait)
    }
}
