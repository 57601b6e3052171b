import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import Synchronization
import Testing

/// The resumable stream over a relay, in memory: game "g" is at 7:10 when the subscriber
/// registers, and its log keeps events 4...10.
@Suite struct ResumableStreamTests {
    typealias CatchUp = ResumableStream<RelayedItem<Void>>.CatchUp

    struct Running {
        let relay: GameRelay<Void>
        let writer: MemoryWriter
        let observer: CountingObserver
        let task: Task<Void, any Error>
        let history: MemoryHistory

        func publish(_ seq: UInt64, game: String = "g") {
            relay.apply(StreamItem(item: .event(event(game, seq))))
        }

        /// The error that ended the stream (nil when it returned).
        func outcome() async -> RPCError? {
            do {
                try await task.value
                return nil
            } catch {
                return error as? RPCError
            }
        }
    }

    final class CountingObserver: ResumableStreamObserver {
        private let state = Mutex<(delivered: [Int64], cutOffs: Int)>(([], 0))
        func delivered(committedAtMs: Int64) { state.withLock { $0.delivered.append(committedAtMs) } }
        func cutOff() { state.withLock { $0.cutOffs += 1 } }
        var delivered: [Int64] { state.withLock { $0.delivered } }
        var cutOffs: Int { state.withLock { $0.cutOffs } }
    }

    /// Registers a subscriber of `filter` and runs its stream in a task.
    /// - Parameter beforeRun: called once registered, before the stream runs (items it relays are queued).
    func start(
        _ catchingUp: [CatchUp],
        filter: RelayFilter = RelayFilter(gameIds: ["g"]),
        capacity: Int = 100,
        history: MemoryHistory = MemoryHistory((4...10).map { event("g", $0) }),
        firstKeptSeq: UInt64 = 4,
        fetchedHeads: [String: Snapshot] = [:],
        beforeRun: (GameRelay<Void>) -> Void = { _ in }
    ) -> Running {
        let relay = GameRelay<Void>(makePayload: { _ in () })
        relay.seed(snapshot("g", 10))
        let (subscription, heads) = relay.subscribe(filter, capacity: capacity)
        beforeRun(relay)
        let stream = ResumableStream(subscription: subscription, registeredHeads: heads.mapValues(\.position), service: "test")
        let writer = MemoryWriter()
        let observer = CountingObserver()
        let task = Task {
            defer { relay.unsubscribe(subscription) }
            try await stream.run(
                catchingUp: catchingUp,
                head: { gameId in
                    if let head = heads[gameId] { return CatchUpHead(snapshot: head.snapshot, firstKeptSeq: firstKeptSeq) }
                    return fetchedHeads[gameId].map { CatchUpHead(snapshot: $0) }
                },
                history: history,
                writer: writer,
                observer: observer
            )
        }
        return Running(relay: relay, writer: writer, observer: observer, task: task, history: history)
    }

    struct ResumeCase: Sendable, CustomTestStringConvertible {
        let name: String
        let cursor: Position?
        let catchUp: [String]
        var testDescription: String { name }
    }

    static let resumeCases: [ResumeCase] = [
        ResumeCase(name: "no position", cursor: nil, catchUp: ["g@10:initial"]),
        ResumeCase(name: "the current position", cursor: Position(epoch: 7, seq: 10), catchUp: []),
        ResumeCase(name: "behind, within the kept history", cursor: Position(epoch: 7, seq: 5), catchUp: (6...10).map { "g#\($0)" }),
        ResumeCase(name: "just before the kept history", cursor: Position(epoch: 7, seq: 3), catchUp: (4...10).map { "g#\($0)" }),
        ResumeCase(name: "behind, beyond the kept history", cursor: Position(epoch: 7, seq: 2), catchUp: ["g@10:reset"]),
        ResumeCase(name: "another epoch", cursor: Position(epoch: 8, seq: 5), catchUp: ["g@10:reset"]),
        ResumeCase(name: "ahead of the head", cursor: Position(epoch: 7, seq: 11), catchUp: ["g@10:reset"]),
        ResumeCase(name: "the largest seq", cursor: Position(epoch: 7, seq: .max), catchUp: ["g@10:reset"]),
    ]

    @Test(arguments: resumeCases)
    func everyResumePositionCatchesUpThenGoesLive(_ resume: ResumeCase) async throws {
        let running = start([CatchUp(gameId: "g", cursor: resume.cursor)])
        #expect(try await running.writer.labels(count: resume.catchUp.count) == resume.catchUp)
        running.publish(11)
        #expect(try await running.writer.labels(count: resume.catchUp.count + 1) == resume.catchUp + ["g#11"])
        running.task.cancel()
        #expect(await running.outcome() == nil)
    }

    @Test func theHeadersComeFirstOnceRegistered() async throws {
        let running = start([CatchUp(gameId: "g", cursor: Position(epoch: 7, seq: 8))])
        _ = try await running.writer.labels(count: 2)
        #expect(running.writer.sent.first == .headers)
        #expect(running.writer.sent.filter { $0 == .headers }.count == 1)
        running.task.cancel()
        _ = await running.outcome()
    }

    @Test func historyIsReadPageByPage() async throws {
        let history = MemoryHistory((4...10).map { event("g", $0) }, pageSize: 2)
        let running = start([CatchUp(gameId: "g", cursor: Position(epoch: 7, seq: 3))], history: history)
        #expect(try await running.writer.labels(count: 7) == (4...10).map { "g#\($0)" })
        #expect(history.pagesRead == 4)
        running.task.cancel()
        _ = await running.outcome()
    }

    @Test func historyThatGoesAwayWhileReadEndsInAResetSnapshot() async throws {
        let history = MemoryHistory((4...10).map { event("g", $0) }, pageSize: 2, forgetAfter: 1)
        let running = start([CatchUp(gameId: "g", cursor: Position(epoch: 7, seq: 3))], history: history)
        #expect(try await running.writer.labels(count: 3) == ["g#4", "g#5", "g@10:reset"])
        running.publish(11)
        #expect(try await running.writer.labels(count: 4) == ["g#4", "g#5", "g@10:reset", "g#11"])
        running.task.cancel()
        _ = await running.outcome()
    }

    @Test func liveItemsCatchUpCoveredAreSkippedButAResetAlwaysPasses() async throws {
        // "n" is unknown to the relay at registration; its head is fetched at seq 2 meanwhile.
        let running = start(
            [CatchUp(gameId: "n", cursor: nil)], filter: RelayFilter(gameIds: ["n"]), fetchedHeads: ["n": snapshot("n", 2)]
        ) { relay in
            for seq: UInt64 in 1...3 { relay.apply(StreamItem(item: .event(event("n", seq)))) }
        }
        #expect(try await running.writer.labels(count: 2) == ["n@2:initial", "n#3"])
        running.relay.apply(StreamItem(item: .snapshot(snapshot("n", 1, epoch: 9))))
        #expect(try await running.writer.labels(count: 3) == ["n@2:initial", "n#3", "n@1:reset"])
        #expect(running.observer.delivered == [1_003, 0], "an event's commit time; none for a snapshot")
        running.task.cancel()
        _ = await running.outcome()
    }

    @Test func aGameNotStartedYetIsFollowedFromItsFirstEvent() async throws {
        let running = start([CatchUp(gameId: "later", cursor: nil)], filter: RelayFilter(allGames: true))
        try await Task.sleep(for: .milliseconds(20))
        #expect(running.writer.labels.isEmpty)
        running.publish(1, game: "later")
        #expect(try await running.writer.labels(count: 1) == ["later#1"])
        running.task.cancel()
        _ = await running.outcome()
    }

    @Test func aSlowSubscriberIsCutOffWithThePositionsItHas() async throws {
        let running = start([CatchUp(gameId: "g", cursor: Position(epoch: 7, seq: 5))], capacity: 3) { relay in
            // Four live items while the subscriber has not read any: one more than its queue holds.
            for seq: UInt64 in 11...14 { relay.apply(StreamItem(item: .event(event("g", seq)))) }
        }
        let error = try #require(await running.outcome())
        #expect(error.code == .resourceExhausted)
        let cursors = try #require(SlowSubscriber.resumeCursors(in: error))
        #expect(cursors.cursors == [GameCursor(gameId: "g", after: Position(epoch: 7, seq: 10))], "caught up to 10, nothing live")
        #expect(running.writer.labels == (6...10).map { "g#\($0)" })
        #expect(running.observer.cutOffs == 1)
        // The relay and its other subscribers go on.
        let (other, _) = running.relay.subscribe(RelayFilter(gameIds: ["g"]))
        running.publish(15)
        #expect(other.drain().map { $0.position.seq } == [15])
    }

    @Test func aStoppingProducerEndsTheStreamWithUnavailable() async throws {
        let running = start([CatchUp(gameId: "g", cursor: Position(epoch: 7, seq: 10))])
        _ = try await running.writer.labels(count: 0)
        running.relay.stop()
        let error = try #require(await running.outcome())
        #expect(error.code == .unavailable)
        #expect(error.message.contains("the test service is shutting down"))
    }

    @Test func aCancelledCallEndsQuietly() async throws {
        let running = start([CatchUp(gameId: "g", cursor: nil)])
        _ = try await running.writer.labels(count: 1)
        running.task.cancel()
        #expect(await running.outcome() == nil)
    }

    /// The score engine's shape: its subscribers receive committed events, not relayed items.
    @Test func committedEventsAreStreamedLikeRelayedItems() async throws {
        var registry = SubscriberRegistry<Event>()
        let subscription = registry.register(RelayFilter(gameIds: ["g"]), capacity: 10)
        let stream = ResumableStream(subscription: subscription, registeredHeads: ["g": Position(epoch: 7, seq: 10)], service: "score")
        let writer = MemoryWriter()
        let history = MemoryHistory((1...10).map { event("g", $0) }, pageSize: 4)
        let task = Task {
            try await stream.run(
                catchingUp: [.init(gameId: "g", cursor: Position(epoch: 7, seq: 8))],
                head: { _ in CatchUpHead(snapshot: snapshot("g", 10)) }, history: history, writer: writer, observer: nil
            )
        }
        for seq: UInt64 in [10, 11, 12] {
            let item = event("g", seq)
            registry.offer(item) { $0.names(item.gameId) }
        }
        registry.offer(event("other", 1)) { $0.names("other") }
        #expect(try await writer.labels(count: 4) == ["g#9", "g#10", "g#11", "g#12"])
        task.cancel()
        _ = try? await task.value
    }
}
