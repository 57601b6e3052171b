import FeedSources
public import Prometheus
public import ServiceKit
import Synchronization

/// The feed's Prometheus metrics. Every series is labelled with the source (`simulator`,
/// `nba-pbp`, …); reasons and codes are small fixed sets, never free text.
public final class FeedMetrics: Sendable {
    /// Events the score service stored (first time it saw their source id).
    public let eventsPublished: Counter
    /// Events the score service already had (a retry or a restart re-sent them).
    public let eventsDuplicate: Counter
    /// Publish requests (each a batch of events), successful or not.
    public let publishLatency: DurationHistogram
    /// Retries of calls to the score and schedule services after a transient failure.
    public let retries: Counter
    /// Events waiting in the buffer (queued plus in flight).
    public let bufferDepth: Gauge
    /// The buffer's capacity.
    public let bufferCapacity: Gauge
    /// Times the source had to wait because the buffer was full.
    public let bufferFull: Counter
    /// 1 while the score service accepts publishes, else 0.
    public let scoreAvailable: Gauge
    /// Games written to the schedule service.
    public let gamesUpserted: Counter
    /// Games in play in the simulator (live or about to tip off).
    public let gamesInPlay: Gauge
    /// Games whose play-by-play is being polled.
    public let playByPlayGames: Gauge

    private let metrics: ServiceMetrics
    private let source: String
    private let cache = Mutex<[String: Counter]>([:])

    /// Registers the metrics for `source` in `metrics`.
    public init(_ metrics: ServiceMetrics, source: FeedSourceKind) {
        self.metrics = metrics
        self.source = source.rawValue
        let label = [("source", source.rawValue)]
        eventsPublished = metrics.counter(
            "courtside_feed_events_published_total", "Events stored by the score service.", labels: label)
        eventsDuplicate = metrics.counter(
            "courtside_feed_events_duplicate_total", "Events the score service already had (same source id).", labels: label)
        publishLatency = metrics.durationHistogram(
            "courtside_feed_publish_duration_seconds", "Duration of PublishEvents calls.", labels: label)
        retries = metrics.counter(
            "courtside_feed_retries_total", "Calls to score or schedule retried after a transient failure.", labels: label)
        bufferDepth = metrics.gauge("courtside_feed_buffer_events", "Events waiting to be published.", labels: label)
        bufferCapacity = metrics.gauge("courtside_feed_buffer_capacity_events", "Capacity of the event buffer.", labels: label)
        bufferFull = metrics.counter(
            "courtside_feed_buffer_full_total", "Times the source paused because the buffer was full.", labels: label)
        scoreAvailable = metrics.gauge(
            "courtside_feed_score_available", "1 while the score service accepts publishes.", labels: label)
        gamesUpserted = metrics.counter(
            "courtside_feed_games_upserted_total", "Games written to the schedule service (created, changed or unchanged).", labels: label)
        gamesInPlay = metrics.gauge("courtside_feed_games_in_play", "Simulated games live or about to tip off.", labels: label)
        playByPlayGames = metrics.gauge(
            "courtside_feed_pbp_games", "Live games whose play-by-play is being polled.", labels: label)
    }

    /// A provider payload (or one update of it) that was skipped as a whole.
    /// - Parameter reason: a ``FeedError/Category`` raw value, `inconsistent` or `stale`.
    public func rejectedPayload(reason: String) {
        counter(
            "courtside_feed_rejected_payloads_total", "Provider payloads skipped, by reason.",
            [("source", source), ("reason", reason)]
        ).increment()
    }

    /// A provider glitch that was reconciled (the payload was published).
    func glitch(_ kind: FeedGlitch.Kind) {
        counter(
            "courtside_feed_glitches_total", "Provider glitches reconciled, by kind.",
            [("source", source), ("kind", kind.rawValue)]
        ).increment()
    }

    /// Games left out of a scoreboard: `unknown_team` (a team not of its seeded league's),
    /// `league_not_read` (a basketball game of a league Courtside does not read).
    public func skippedGame(reason: String, count: Int = 1) {
        counter(
            "courtside_feed_skipped_games_total", "Scoreboard games skipped, by reason.",
            [("source", source), ("reason", reason)]
        ).increment(by: Double(count))
    }

    /// Events the score service refused (after isolating them), by gRPC status code.
    public func refusedEvents(code: String, count: Int = 1) {
        counter(
            "courtside_feed_events_refused_total", "Events the score service refused, by gRPC status code.",
            [("source", source), ("code", code)]
        ).increment(by: Double(count))
    }

    /// Games the schedule service refused, by gRPC status code.
    public func refusedGames(code: String, count: Int = 1) {
        counter(
            "courtside_feed_games_refused_total", "Games the schedule service refused, by gRPC status code.",
            [("source", source), ("code", code)]
        ).increment(by: Double(count))
    }

    /// One scoreboard poll and its outcome: `changed`, `unchanged`, `not_modified`, `rejected`
    /// or `error`.
    public func poll(result: String) {
        counter(
            "courtside_feed_polls_total", "Scoreboard polls, by result.",
            [("source", source), ("result", result)]
        ).increment()
    }

    /// One failed HTTP attempt: `status` or an ``HTTPClient/Failure/reason``.
    public func pollError(reason: String) {
        counter(
            "courtside_feed_poll_errors_total", "Failed scoreboard requests (each attempt), by reason.",
            [("source", source), ("reason", reason)]
        ).increment()
    }

    /// One play-by-play poll of one game and its outcome: `changed`, `unchanged`,
    /// `not_modified`, `rejected` or `error`.
    public func playByPlayPoll(result: String) {
        counter(
            "courtside_feed_pbp_polls_total", "Play-by-play polls of live games, by result.",
            [("source", source), ("result", result)]
        ).increment()
    }

    /// A payload in which the provider had edited, deleted or inserted plays already published.
    public func playByPlayRevision() {
        counter(
            "courtside_feed_pbp_revisions_total", "Play-by-play payloads revising published plays (a correction followed).",
            [("source", source)]
        ).increment()
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        let key = ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            let created = metrics.counter(name, help, labels: labels)
            cache[key] = created
            return created
        }
    }
}
