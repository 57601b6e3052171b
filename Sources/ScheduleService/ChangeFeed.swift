import GRPC
import Logging

/// Reads the store's change log and publishes it to the watchers, so that `WatchGames` gets
/// every change committed by any process sharing the store (several replicas on one PostgreSQL
/// database), in commit order.
///
/// It reads when a write of this process wakes it, and every `interval` for the writes of the
/// others. Should the log be pruned past what it has read (it fell very far behind), the
/// watchers cannot know what they missed: they are ended with UNAVAILABLE and watch again.
final class ChangeFeed: Sendable {
    /// Changes read per query.
    static let pageSize = 1000

    private let store: any ScheduleStore
    private let hub: GameChangeHub
    private let interval: Duration
    private let logger: Logger
    private let signal = WakeSignal()
    private let startAfter: Int64
    private let everyFewPolls: @Sendable () async -> Void

    /// - Parameters:
    ///   - startAfter: the sequence number of the last change already accounted for.
    ///   - interval: the longest wait between two reads.
    ///   - everyFewPolls: run every 50 polls (to refresh what other processes change).
    init(
        store: any ScheduleStore,
        hub: GameChangeHub,
        startAfter: Int64,
        interval: Duration,
        logger: Logger,
        everyFewPolls: @escaping @Sendable () async -> Void
    ) {
        self.store = store
        self.hub = hub
        self.startAfter = startAfter
        self.interval = interval
        self.logger = logger
        self.everyFewPolls = everyFewPolls
    }

    /// Reads now (after a write of this process).
    func wake() {
        signal.signal()
    }

    /// Publishes changes until the task is cancelled.
    func run() async {
        var last = startAfter
        var polls = 0
        var failing = false
        while !Task.isCancelled {
            do {
                last = try await catchUp(after: last)
                if failing {
                    logger.notice("reading the change log works again")
                    failing = false
                }
            } catch {
                if Task.isCancelled { break }
                if !failing {
                    logger.warning("reading the change log failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                    failing = true
                }
            }
            polls += 1
            if polls % 50 == 0 { await everyFewPolls() }
            await signal.wait(timeout: interval)
        }
    }

    /// Publishes every change logged after `last`; returns the new last sequence number.
    private func catchUp(after last: Int64) async throws -> Int64 {
        var last = last
        while true {
            let page = try await store.changes(after: last, limit: Self.pageSize)
            if page.prunedThrough > last {
                logger.warning(
                    "the change log was pruned past what the watchers were sent; ending them so they watch again",
                    metadata: ["last_read": "\(last)", "pruned_through": "\(page.prunedThrough)"]
                )
                hub.endAll(with: RPCError(.unavailable, "the schedule lost track of changes; watch again with send_initial to catch up"))
                last = page.prunedThrough
                // The page may start before the pruned point; what is left of it is still new.
            }
            let fresh = page.changes.filter { $0.sequence > last }
            if let newest = fresh.last {
                hub.publish(fresh)
                last = newest.sequence
            }
            if page.changes.count < Self.pageSize { return last }
        }
    }
}
