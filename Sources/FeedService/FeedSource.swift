import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import Prometheus

/// A source of games and events. `run` pushes batches into the sink, in order, and returns when
/// the source is exhausted (a replay ended); it throws `CancellationError` or
/// `FeedBuffer.PushError.closed` when the feed stops.
protocol FeedSource: Sendable {
    func run(into sink: FeedSink) async throws
}

/// Where sources put their batches: the buffer, with the bookkeeping of waits.
struct FeedSink: Sendable {
    let buffer: FeedBuffer
    let metrics: FeedMetrics

    /// Pushes a batch, waiting while the buffer is full.
    /// - Returns: how long it waited for room (zero when it did not).
    @discardableResult
    func push(_ batch: FeedBatch) async throws -> Duration {
        let started = ContinuousClock.now
        let waited = try await buffer.push(batch) { metrics.bufferFull.increment() }
        return waited ? ContinuousClock.now - started : .zero
    }
}

/// What every source may use besides the sink: the score service's progress (to resume), the
/// schedule service (to find a slate's games), metrics and the logger.
struct FeedContext: Sendable {
    let kind: FeedSourceKind
    let progress: ScoreProgress
    let schedule: ScheduleServiceClient
    let scheduleRetrier: Retrier
    let callTimeout: Duration
    let metrics: FeedMetrics
    let logger: Logger
}

extension FeedContext {
    /// Which of `gameIds` the schedule service knows. The score service has events only of games
    /// the schedule knows, so a source asks the score service only about those: a fresh start
    /// does not wait for the score service to learn that there is nothing to resume.
    func gamesInSchedule(_ gameIds: [String]) async throws -> Set<String> {
        var known: Set<String> = []
        for gameId in gameIds {
            do {
                _ = try await scheduleRetrier.run("get game \(gameId)") {
                    try await schedule.getGame(GetGameRequest(gameId: gameId), options: CallOptions(timeout: callTimeout))
                }
                known.insert(gameId)
            } catch let refusal as RPCError where refusal.code == .notFound {
                continue
            }
        }
        return known
    }
}
