import CourtsideProto
import Testing

@testable import FeedService

/// The bounded buffer between a source and the publisher: order, backpressure, close.
@Suite struct FeedBufferTests {
    static func batch(_ tag: String, events: Int) -> FeedBatch {
        FeedBatch(events: (0..<events).map { Event(gameId: "g", sourceId: "\(tag)-\($0)") })
    }

    @Test func batchesLeaveInOrderWithinTheEventLimit() async throws {
        let buffer = FeedBuffer(capacity: 100)
        for tag in ["a", "b", "c"] { try await buffer.push(Self.batch(tag, events: 4)) }
        let first = try #require(await buffer.take(maxEvents: 8))
        #expect(first.map { $0.events.first?.sourceId } == ["a-0", "b-0"])
        let second = try #require(await buffer.take(maxEvents: 1))
        #expect(second.map { $0.events.first?.sourceId } == ["c-0"], "a batch over the limit still leaves, alone")
        #expect(buffer.depth == 12)
        buffer.release(events: 12)
        #expect(buffer.depth == 0)
    }

    @Test func aFullBufferMakesPushesWaitUntilEventsAreReleased() async throws {
        let buffer = FeedBuffer(capacity: 10)
        #expect(try await buffer.push(Self.batch("a", events: 8)) == false)
        let blocked = Task { try await buffer.push(Self.batch("b", events: 5)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(buffer.depth == 8, "b waits: 8 + 5 > 10")
        let taken = try #require(await buffer.take(maxEvents: 100))
        #expect(taken.count == 1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(buffer.depth == 8, "taken but not released still counts")
        buffer.release(events: 8)
        #expect(try await blocked.value == true)
        let next = try #require(await buffer.take(maxEvents: 100))
        #expect(next.first?.events.first?.sourceId == "b-0")
    }

    @Test func anOversizedBatchEntersAnEmptyBuffer() async throws {
        let buffer = FeedBuffer(capacity: 3)
        try await buffer.push(Self.batch("big", events: 10))
        #expect(buffer.depth == 10)
    }

    @Test func takeWaitsForAPush() async throws {
        let buffer = FeedBuffer(capacity: 10)
        let taker = Task { await buffer.take(maxEvents: 10) }
        try await Task.sleep(for: .milliseconds(50))
        try await buffer.push(Self.batch("late", events: 2))
        let taken = try #require(await taker.value)
        #expect(taken.first?.events.count == 2)
    }

    @Test func closeFailsWaitingPushesAndDrainsTheRest() async throws {
        let buffer = FeedBuffer(capacity: 2)
        try await buffer.push(Self.batch("a", events: 2))
        let blocked = Task { try await buffer.push(Self.batch("b", events: 2)) }
        try await Task.sleep(for: .milliseconds(50))
        buffer.close()
        await #expect(throws: FeedBuffer.PushError.self) { try await blocked.value }
        await #expect(throws: FeedBuffer.PushError.self) { try await buffer.push(Self.batch("c", events: 1)) }
        #expect(try #require(await buffer.take(maxEvents: 10)).count == 1, "what was queued is still delivered")
        #expect(await buffer.take(maxEvents: 10) == nil)
    }

    @Test func aCancelledWaitingPushQueuesNothing() async throws {
        let buffer = FeedBuffer(capacity: 2)
        try await buffer.push(Self.batch("a", events: 2))
        let blocked = Task { try await buffer.push(Self.batch("b", events: 2)) }
        try await Task.sleep(for: .milliseconds(50))
        blocked.cancel()
        await #expect(throws: CancellationError.self) { try await blocked.value }
        _ = await buffer.take(maxEvents: 10)
        buffer.release(events: 2)
        #expect(buffer.depth == 0)
    }
}
