import Synchronization

/// The bounded, ordered queue between a source and the publisher.
///
/// `push` waits while the buffer is full (queued plus in-flight events would exceed the
/// capacity), so a source that cannot publish is paused rather than made to drop anything; a
/// batch larger than the capacity is admitted alone into an empty buffer. Batches leave in the
/// order they came, pushes that had to wait included. The publisher `take`s batches, publishes
/// them, then `release`s their events, which makes room.
public final class FeedBuffer: Sendable {
    /// Why a push was not accepted.
    public enum PushError: Error, Sendable {
        /// The buffer was closed (the feed is shutting down).
        case closed
    }

    private struct Waiter {
        var id: UInt64
        var batch: FeedBatch
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Taker {
        var continuation: CheckedContinuation<[FeedBatch]?, Never>
        var maxEvents: Int
    }

    private struct State {
        var queue: [FeedBatch] = []
        var head = 0
        var queued = 0
        var inFlight = 0
        var closed = false
        var waiters: [Waiter] = []
        var taker: Taker?
        var nextId: UInt64 = 0

        var depth: Int { queued + inFlight }
        var isQueueEmpty: Bool { head == queue.count }
    }

    /// Most events buffered before `push` waits.
    public let capacity: Int
    private let state = Mutex(State())
    private let onDepthChange: @Sendable (Int) -> Void

    /// A buffer for `capacity` events; `onDepthChange` observes the depth (for a metric).
    public init(capacity: Int, onDepthChange: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.capacity = max(1, capacity)
        self.onDepthChange = onDepthChange
    }

    /// Events queued or in flight.
    public var depth: Int { state.withLock { $0.depth } }

    /// Appends a batch, waiting while the buffer is full.
    /// - Parameter onWait: called once, before waiting, if the push has to wait.
    /// - Returns: true if the push had to wait.
    /// - Throws: `PushError.closed` once the buffer is closed, `CancellationError` if the task is
    ///   cancelled while waiting (the batch is then not queued).
    @discardableResult
    public func push(_ batch: FeedBatch, onWait: () -> Void = {}) async throws -> Bool {
        if batch.isEmpty { return false }
        enum Outcome {
            case queued(Taker?)
            case mustWait, closed
        }
        let outcome: Outcome = state.withLock { state in
            if state.closed { return .closed }
            guard state.waiters.isEmpty, fits(batch, state) else { return .mustWait }
            return .queued(Self.enqueue(batch, &state))
        }
        switch outcome {
        case .closed:
            throw PushError.closed
        case .queued(let taker):
            wake(taker)
            return false
        case .mustWait:
            onWait()
            try await wait(for: batch)
            return true
        }
    }

    /// The next batches in order (at least one, then more while their events total at most
    /// `maxEvents`), waiting for one if none is queued; nil once the buffer is closed and empty.
    /// Only one task may take.
    public func take(maxEvents: Int) async -> [FeedBatch]? {
        if let ready = state.withLock({ Self.dequeue(maxEvents: maxEvents, &$0) }) { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[FeedBatch]?, Never>) in
                let immediate: [FeedBatch]?? = state.withLock { state in
                    if let ready = Self.dequeue(maxEvents: maxEvents, &state) { return .some(ready) }
                    if state.closed || Task.isCancelled { return .some(nil) }
                    state.taker = Taker(continuation: continuation, maxEvents: maxEvents)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let taker = state.withLock { state -> Taker? in
                defer { state.taker = nil }
                return state.taker
            }
            taker?.continuation.resume(returning: nil)
        }
    }

    /// Marks `count` taken events as done (published, or given up), making room.
    public func release(events count: Int) {
        let admitted: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            state.inFlight = max(0, state.inFlight - count)
            return admitWaiters(&state)
        }
        for continuation in admitted { continuation.resume() }
        onDepthChange(depth)
    }

    /// Refuses further pushes (waiting ones fail with `PushError.closed`); `take` returns what is
    /// queued, then nil.
    public func close() {
        let (waiters, taker): ([Waiter], Taker?) = state.withLock { state in
            state.closed = true
            let waiters = state.waiters
            state.waiters = []
            var taker: Taker?
            if state.isQueueEmpty {
                taker = state.taker
                state.taker = nil
            }
            return (waiters, taker)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: PushError.closed) }
        taker?.continuation.resume(returning: nil)
    }

    // MARK: Internals (called with the lock held unless noted)

    private func fits(_ batch: FeedBatch, _ state: State) -> Bool {
        state.depth == 0 || state.depth + batch.events.count <= capacity
    }

    private static func enqueue(_ batch: FeedBatch, _ state: inout State) -> Taker? {
        state.queue.append(batch)
        state.queued += batch.events.count
        defer { state.taker = nil }
        return state.taker
    }

    private static func dequeue(maxEvents: Int, _ state: inout State) -> [FeedBatch]? {
        guard !state.isQueueEmpty else { return nil }
        var taken: [FeedBatch] = []
        var events = 0
        while !state.isQueueEmpty {
            let next = state.queue[state.head]
            if !taken.isEmpty, events + next.events.count > maxEvents { break }
            taken.append(next)
            events += next.events.count
            state.head += 1
        }
        state.queued -= events
        state.inFlight += events
        if state.head > 1024, state.head * 2 > state.queue.count {
            state.queue.removeFirst(state.head)
            state.head = 0
        }
        return taken
    }

    /// Queues waiting pushes, in order, while they fit; returns whom to resume.
    private func admitWaiters(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        var admitted: [CheckedContinuation<Void, any Error>] = []
        while let first = state.waiters.first, fits(first.batch, state) {
            state.waiters.removeFirst()
            state.queue.append(first.batch)
            state.queued += first.batch.events.count
            admitted.append(first.continuation)
        }
        return admitted
    }

    /// Not under the lock.
    private func wake(_ taker: Taker?) {
        onDepthChange(depth)
        guard let taker else { return }
        let ready = state.withLock { Self.dequeue(maxEvents: taker.maxEvents, &$0) }
        taker.continuation.resume(returning: ready ?? [])
    }

    /// Not under the lock.
    private func wait(for batch: FeedBatch) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Now {
                    case fail(any Error)
                    case admitted(Taker?)
                    case waiting
                }
                let now: Now = state.withLock { state in
                    if state.closed { return .fail(PushError.closed) }
                    if Task.isCancelled { return .fail(CancellationError()) }
                    if state.waiters.isEmpty, fits(batch, state) { return .admitted(Self.enqueue(batch, &state)) }
                    state.waiters.append(Waiter(id: id, batch: batch, continuation: continuation))
                    return .waiting
                }
                switch now {
                case .fail(let error): continuation.resume(throwing: error)
                case .admitted(let taker):
                    continuation.resume()
                    wake(taker)
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        // Admitted by `release`: the batch is queued; wake the publisher if it waits.
        let taker = state.withLock { state -> Taker? in
            guard !state.isQueueEmpty, let taker = state.taker else { return nil }
            state.taker = nil
            return taker
        }
        wake(taker)
    }
}
