public import CourtsideProto
import CourtsideRPC
import GRPC

/// One subscriber's stream of game logs that it can resume: the score service's `StreamEvents`
/// and the subscription service's `Subscribe` are both this.
///
/// The producer (the score engine, a relay) registers the subscriber first and returns,
/// atomically with it, the head of every game it follows; every later item is queued for the
/// subscriber. `run` then:
/// 1. sends the response headers: the client knows it is registered, and whatever is produced
///    after it has them reaches it;
/// 2. catches each game up from the subscriber's position to its head at registration: nothing,
///    a snapshot (`INITIAL` without a position, `RESET` for a position the log cannot continue)
///    or the events in between (a `RESET` snapshot if history is gone before they are read);
/// 3. writes the queued live items, skipping those catch-up already covered, until the
///    subscriber falls too far behind (RESOURCE_EXHAUSTED with the resume trailer, see
///    `SlowSubscriber`), the producer stops (UNAVAILABLE) or the call is cancelled.
///
/// So each game's items arrive in order, with no gap and no duplicate.
public struct ResumableStream<Item: LiveStreamItem>: Sendable {
    /// What the stream reads, per game it catches up: the subscriber's position (nil for none).
    public struct CatchUp: Sendable {
        public var gameId: String
        public var cursor: Position?

        public init(gameId: String, cursor: Position?) {
            self.gameId = gameId
            self.cursor = cursor
        }
    }

    public let subscription: LiveSubscription<Item>
    private let registeredHeads: [String: Position]
    private let service: String

    /// - Parameters:
    ///   - registeredHeads: the positions the producer returned with the registration: live
    ///     items up to them are not written (catch-up covers them).
    ///   - service: names the service in the error that ends the stream at shutdown.
    public init(subscription: LiveSubscription<Item>, registeredHeads: [String: Position], service: String) {
        self.subscription = subscription
        self.registeredHeads = registeredHeads
        self.service = service
    }

    /// Runs the stream until it ends (see the type's description).
    /// - Parameters:
    ///   - games: the games to catch up, in this order.
    ///   - head: a game's head at registration; nil for a game not started yet (no catch-up).
    public func run(
        catchingUp games: [CatchUp],
        head: (String) async throws -> CatchUpHead?,
        history: some CatchUpHistory,
        writer: some StreamItemWriter,
        observer: (any ResumableStreamObserver)?
    ) async throws {
        try await writer.sendHeaders()
        var delivered = DeliveredPositions()
        for (gameId, position) in registeredHeads {
            delivered.record(gameId: gameId, position: position)
        }
        for game in games {
            guard let head = try await head(game.gameId) else { continue }
            try await Self.catchUp(game.gameId, from: game.cursor, to: head, history: history, writer: writer)
            delivered.record(gameId: game.gameId, position: head.position)
        }
        try await deliverLive(after: &delivered, writer: writer, observer: observer)
    }

    private static func catchUp(
        _ gameId: String, from cursor: Position?, to head: CatchUpHead, history: some CatchUpHistory, writer: some StreamItemWriter
    ) async throws {
        switch CatchUpPlan.plan(cursor: cursor, head: head.position, firstKeptSeq: head.firstKeptSeq) {
        case .nothing:
            return
        case .snapshot(let reason):
            try await writer.write(StreamItem(reason: reason, item: .snapshot(head.snapshot)))
        case .events(let afterSeq):
            let complete = try await writeEvents(gameId, after: afterSeq, upTo: head.position, history: history, writer: writer)
            if !complete {
                try await writer.write(StreamItem(reason: .reset, item: .snapshot(head.snapshot)))
            }
        }
    }

    /// Writes the events after `afterSeq` up to `head`, page by page; false when the history
    /// does not reach back that far (any more).
    private static func writeEvents(
        _ gameId: String, after afterSeq: UInt64, upTo head: Position, history: some CatchUpHistory, writer: some StreamItemWriter
    ) async throws -> Bool {
        var last = afterSeq
        while last < head.seq {
            // last < head.seq, so `last + 1` cannot overflow.
            guard let page = try await history.events(gameId: gameId, epoch: head.epoch, afterSeq: last, upTo: head.seq),
                page.first?.position?.seq == last + 1, let pageLast = page.last?.position?.seq
            else { return false }
            for event in page {
                try await writer.write(StreamItem(item: .event(event)))
            }
            last = pageLast
        }
        return true
    }

    private func deliverLive(
        after delivered: inout DeliveredPositions, writer: some StreamItemWriter, observer: (any ResumableStreamObserver)?
    ) async throws {
        while true {
            switch await subscription.next() {
            case .item(let item):
                guard let position = item.streamPosition,
                    delivered.admit(gameId: item.gameId, position: position, isSnapshot: item.restartsGame)
                else { continue }
                try await writer.write(item.streamItem)
                observer?.delivered(committedAtMs: item.committedAtMs)
            case .overflowed:
                observer?.cutOff()
                throw SlowSubscriber.error(capacity: subscription.capacity, cursors: delivered.cursors)
            case .finished:
                if Task.isCancelled { return }
                throw RPCError(.unavailable, "the \(service) service is shutting down; resume from your last positions")
            }
        }
    }
}

/// What a resumable stream reports as it goes (a service's metrics).
public protocol ResumableStreamObserver: Sendable {
    /// A live item was written; `committedAtMs` is its event's commit time (0 for a snapshot).
    func delivered(committedAtMs: Int64)
    /// The subscriber fell too far behind: its stream ends.
    func cutOff()
}
