import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import Prometheus

/// Takes what the source buffered and delivers it in order: each batch's games to the schedule
/// service, then its events to the score service, many batches per `PublishEvents` call.
///
/// Transient failures (the score service is down or restarting) are retried with backoff for as
/// long as it takes, so events are published in order once it is back; the buffer meanwhile
/// fills and pauses the source. A refused request (a batch is atomic, so one bad event refuses
/// all of it) is split in halves until the refused events are isolated; those are logged,
/// counted and dropped, and the others published in their order.
final class ScorePublisher: Sendable {
    private let buffer: FeedBuffer
    private let score: ScoreServiceClient
    private let upserter: GameUpserter
    private let retrier: Retrier
    private let batchSize: Int
    private let callTimeout: Duration
    private let metrics: FeedMetrics
    private let logger: Logger

    init(
        buffer: FeedBuffer,
        score: ScoreServiceClient,
        upserter: GameUpserter,
        retrier: Retrier,
        batchSize: Int,
        callTimeout: Duration,
        metrics: FeedMetrics,
        logger: Logger
    ) {
        self.buffer = buffer
        self.score = score
        self.upserter = upserter
        self.retrier = retrier
        self.batchSize = max(1, batchSize)
        self.callTimeout = callTimeout
        self.metrics = metrics
        self.logger = logger
    }

    /// Delivers batches until the buffer is closed and empty, or the stop deadline passes.
    func run() async {
        var statuses: [String: GameStatus] = [:]
        while let batches = await buffer.take(maxEvents: batchSize) {
            let count = batches.reduce(0) { $0 + $1.events.count }
            do {
                try await deliver(batches, statuses: &statuses)
                buffer.release(events: count)
            } catch {
                buffer.release(events: count)
                logger.warning(
                    "stopped before every event was published; a restart continues from what the score service has",
                    metadata: ["unpublished_events": "\(count + buffer.depth)"]
                )
                return
            }
        }
    }

    /// Upserts the batches' games, then publishes their events in order.
    ///
    /// A request ends after a game's tip-off (its first event with status live): the score
    /// service reports only the status a game has after each write to the schedule service, and
    /// the schedule refuses "scheduled → final", so a game that starts and ends within one
    /// request (a fast-forwarded or accelerated game) would stay "scheduled" there.
    /// - Parameter statuses: each game's status after its last published event (kept across calls).
    func deliver(_ batches: [FeedBatch], statuses: inout [String: GameStatus]) async throws {
        let games = batches.flatMap(\.games)
        var events = batches.flatMap(\.events)
        if !games.isEmpty {
            let refused = try await upserter.upsert(games, teams: batches.flatMap(\.teams))
            if !refused.isEmpty {
                let before = events.count
                events.removeAll { refused.contains($0.gameId) }
                if events.count < before { metrics.refusedEvents(code: "GAME_REFUSED", count: before - events.count) }
            }
        }
        var start = 0
        for (index, event) in events.enumerated() {
            let status = event.state?.status ?? .unspecified
            let before = statuses.updateValue(status, forKey: event.gameId)
            let tipOff = status == .live && !(before?.isLive ?? false)
            if index + 1 - start >= batchSize || tipOff {
                try await publish(events[start...index])
                start = index + 1
            }
        }
        if start < events.count { try await publish(events[start...]) }
    }

    /// Publishes events in one call, or, when the score service refuses them, in halves.
    private func publish(_ events: ArraySlice<Event>) async throws {
        do {
            let response = try await retrier.run("publish \(events.count) events") {
                let started = ContinuousClock.now
                defer { metrics.publishLatency.record(ContinuousClock.now - started) }
                return try await score.publishEvents(
                    PublishEventsRequest(events: Array(events)), options: CallOptions(timeout: callTimeout))
            }
            let duplicates = response.results.reduce(0) { $0 + ($1.duplicate ? 1 : 0) }
            metrics.eventsPublished.increment(by: Double(response.results.count - duplicates))
            metrics.eventsDuplicate.increment(by: Double(duplicates))
        } catch let refusal as RPCError {
            guard events.count > 1 else {
                let event = events[events.startIndex]
                metrics.refusedEvents(code: refusal.codeLabel)
                logger.error(
                    "score service refused an event; dropped",
                    metadata: ["game": "\(event.gameId)", "source_id": "\(event.sourceId)", "error": "\(refusal)"]
                )
                return
            }
            let middle = events.startIndex + events.count / 2
            try await publish(events[events.startIndex..<middle])
            try await publish(events[middle..<events.endIndex])
        }
    }
}
