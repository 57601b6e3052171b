import CourtsideProto
import CourtsideRPC
public import GRPC
import Synchronization

/// Fans game changes out to `WatchGames` watchers.
///
/// Each watcher has its own bounded queue. Publishing never waits: a watcher that still has
/// `capacity` changes waiting when more arrive has fallen behind, and its stream ends with
/// RESOURCE_EXHAUSTED after the changes already queued. So one slow watcher never holds up the
/// writers or the other watchers, and never grows memory beyond `capacity` plus one published
/// batch (at most one page of the change log). Changes reach each watcher in the order they were
/// published.
public final class GameChangeHub: Sendable {
    private struct Watcher {
        let gameIDs: Set<String>
        let queue: WatchQueue
    }

    private struct State {
        var watchers: [Int: Watcher] = [:]
        var nextID = 0
        var closedWith: RPCError?
    }

    /// How many changes may wait for one watcher before it counts as fallen behind.
    public let capacity: Int
    private let state = Mutex(State())
    private let onSlowWatcher: @Sendable () -> Void

    /// - Parameters:
    ///   - capacity: how many changes may wait for one watcher.
    ///   - onSlowWatcher: called (without locks held) when a watcher is ended for falling behind.
    public init(capacity: Int, onSlowWatcher: @escaping @Sendable () -> Void = {}) {
        precondition(capacity > 0, "a watcher's queue needs room for at least one change")
        self.capacity = capacity
        self.onSlowWatcher = onSlowWatcher
    }

    /// The number of watchers.
    public var watcherCount: Int {
        state.withLock { $0.watchers.count }
    }

    /// Starts watching every change published from now on to one of `gameIDs` (all games when
    /// empty). The watch ends (its iteration finishes) when its task is cancelled or the watch
    /// is released, with RESOURCE_EXHAUSTED when it falls behind, and with the close error when
    /// the hub closes.
    /// - Throws: the close error if the hub is closed.
    public func subscribe(gameIDs: Set<String>) throws(RPCError) -> GameWatch {
        let (id, queue) = try state.withLock { (state) throws(RPCError) -> (Int, WatchQueue) in
            if let error = state.closedWith { throw error }
            let id = state.nextID
            state.nextID += 1
            let queue = WatchQueue { [weak self] in self?.remove(id) }
            state.watchers[id] = Watcher(gameIDs: gameIDs, queue: queue)
            return (id, queue)
        }
        return GameWatch(queue: queue) { [weak self] in self?.remove(id) }
    }

    /// Hands changes (in commit order) to the watchers that follow their games. Call in commit
    /// order; a batch is never split between "queued" and "fell behind".
    public func publish(_ changes: [LoggedChange]) {
        guard !changes.isEmpty else { return }
        let capacity = self.capacity
        let slow: [WatchQueue] = state.withLock { state in
            var slow: [WatchQueue] = []
            for (id, watcher) in state.watchers {
                let relevant = watcher.gameIDs.isEmpty ? changes : changes.filter { watcher.gameIDs.contains($0.game.id) }
                guard !relevant.isEmpty else { continue }
                switch watcher.queue.enqueue(relevant, capacity: capacity) {
                case .added:
                    break
                case .fellBehind:
                    state.watchers.removeValue(forKey: id)
                    slow.append(watcher.queue)
                case .ended:
                    state.watchers.removeValue(forKey: id)
                }
            }
            return slow
        }
        for queue in slow {
            queue.finish(
                RPCError(
                    .resourceExhausted,
                    "watcher fell behind: \(capacity) or more changes were still waiting to be sent; watch again with send_initial to catch up"
                )
            )
            onSlowWatcher()
        }
    }

    /// Ends every watcher with `error` (after the changes already queued for it) and refuses
    /// new ones with it (at shutdown).
    public func close(with error: RPCError) {
        let watchers = state.withLock { state in
            state.closedWith = state.closedWith ?? error
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.queue.finish(error)
        }
    }

    /// Ends every current watcher with `error` (after the changes already queued for it); new
    /// watchers are still accepted.
    public func endAll(with error: RPCError) {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.queue.finish(error)
        }
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }
}

/// One watcher's changes (each game as written, with its place in the change log), as an
/// async sequence. Iteration ends (returns nil) when the reading
/// task is cancelled, and throws the error the hub ended the watch with. Releasing the watch
/// unsubscribes it.
public final class GameWatch: AsyncSequence, Sendable {
    /// A change.
    public typealias Element = LoggedChange

    private let queue: WatchQueue
    private let onRelease: @Sendable () -> Void

    init(queue: WatchQueue, onRelease: @escaping @Sendable () -> Void) {
        self.queue = queue
        self.onRelease = onRelease
    }

    deinit {
        onRelease()
    }

    /// Changes waiting to be read.
    public var pendingCount: Int { queue.pendingCount }

    /// Reads the changes one by one.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let watch: GameWatch

        /// The next change, or nil once the watch ended normally or its task was cancelled.
        public mutating func next() async throws -> LoggedChange? {
            try await watch.queue.next()
        }
    }

    /// An iterator over the changes (a watch has one reader).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(watch: self)
    }
}
