import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import Prometheus
import ServiceKit
import ServiceLifecycle
import Synchronization

/// Runs the feed as a lifecycle service: the source pushing into the buffer, the publisher
/// draining it, and a probe of the score service while there is nothing to publish.
///
/// On SIGTERM: `/readyz` turns to draining, the source stops (a waiting push fails, nothing
/// new is made), and the publisher flushes what is buffered until the buffer is empty or the
/// grace period ends; events still unpublished then are re-sent by the next run (it continues
/// from what the score service has).
struct FeedRunner: Service {
    let source: any FeedSource
    let sink: FeedSink
    let buffer: FeedBuffer
    let publisher: ScorePublisher
    let health: HealthClient
    let availability: ScoreAvailability
    let clients: [GRPCClient]
    let stop: StopDeadline
    let readiness: Readiness
    let grace: Duration
    let logger: Logger
    private let finished = SourceState()

    init(
        source: any FeedSource,
        sink: FeedSink,
        buffer: FeedBuffer,
        publisher: ScorePublisher,
        health: HealthClient,
        availability: ScoreAvailability,
        clients: [GRPCClient],
        stop: StopDeadline,
        readiness: Readiness,
        grace: Duration,
        logger: Logger
    ) {
        self.source = source
        self.sink = sink
        self.buffer = buffer
        self.publisher = publisher
        self.health = health
        self.availability = availability
        self.clients = clients
        self.stop = stop
        self.readiness = readiness
        self.grace = grace
        self.logger = logger
    }

    /// Whether the source has ended on its own.
    var isSourceFinished: Bool { finished.isFinished }

    func run() async throws {
        let publisherTask = Task { await publisher.run() }
        let sourceTask = Task { await runSource() }
        let probeTask = Task { await probe() }
        readiness.markStarted()
        let stop = self.stop
        let buffer = self.buffer
        let readiness = self.readiness
        let grace = self.grace
        let logger = self.logger
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await publisherTask.value
            } onGracefulShutdown: {
                logger.info(
                    "stopping: source stopped, flushing the buffer",
                    metadata: ["buffered_events": "\(buffer.depth)", "grace": "\(grace)"]
                )
                readiness.markDraining()
                stop.set(.now + grace)
                sourceTask.cancel()
                buffer.close()
            }
        } onCancel: {
            stop.set(.now)
            sourceTask.cancel()
            buffer.close()
            publisherTask.cancel()
        }
        sourceTask.cancel()
        probeTask.cancel()
        await sourceTask.value
        await probeTask.value
        for client in clients { client.close() }
        logger.info("feed stopped", metadata: ["unpublished_events": "\(buffer.depth)"])
    }

    private func runSource() async {
        do {
            try await source.run(into: sink)
            finished.markFinished()
            logger.notice("source finished; the feed stays up (SIGTERM to stop)")
        } catch is CancellationError {
        } catch is FeedBuffer.PushError {
        } catch is FeedStopping {
        } catch {
            logger.error("source failed; nothing more will be published until a restart", metadata: ["error": "\(error)"])
        }
    }

    /// While nothing waits to be published, asks the score service's health every 2 s, so that
    /// readiness also follows the score service when the source is idle.
    private func probe() async {
        let request = HealthCheckRequest(service: ScoreServiceMethods.serviceName)
        while !Task.isCancelled {
            if buffer.depth == 0 {
                do {
                    let response = try await health.check(request, options: CallOptions(timeout: .seconds(2)))
                    availability.record(answered: response.status == .serving)
                } catch {
                    if Task.isCancelled { return }
                    availability.record(answered: false)
                }
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }
}

extension FeedRunner: CustomStringConvertible {
    /// A short name for lifecycle logs (the default would print every stored property).
    var description: String { "FeedRunner" }
}

/// Whether the source ended on its own.
private final class SourceState: Sendable {
    private let finished = Atomic(false)
    func markFinished() { finished.store(true, ordering: .releasing) }
    var isFinished: Bool { finished.load(ordering: .acquiring) }
}
