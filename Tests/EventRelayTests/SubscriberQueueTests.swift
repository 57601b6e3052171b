import EventRelay
import Testing

@Suite struct SubscriberQueueTests {
    @Test func itemsComeOutInOrder() async {
        let queue = SubscriberQueue<Int>(capacity: 10)
        for n in 1...3 { #expect(queue.offer(n)) }
        #expect(queue.depth == 3)
        for n in 1...3 {
            guard case .item(let item) = await queue.next() else {
                Issue.record("expected an item")
                return
            }
            #expect(item == n)
        }
        #expect(queue.depth == 0)
    }

    @Test func aWaitingConsumerGetsTheItemDirectly() async throws {
        let queue = SubscriberQueue<Int>(capacity: 1)
        let consumer = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(20))
        #expect(queue.offer(42))
        guard case .item(42) = await consumer.value else {
            Issue.record("expected 42")
            return
        }
    }

    @Test func aConsumerThatFallsCapacityBehindIsOverflowedAndItsQueueDropped() async {
        let queue = SubscriberQueue<Int>(capacity: 2)
        #expect(queue.offer(1))
        #expect(queue.offer(2))
        #expect(!queue.offer(3), "the producer learns it at once and never waits")
        #expect(queue.isOverflowed)
        #expect(queue.depth == 0)
        #expect(!queue.offer(4))
        guard case .overflowed = await queue.next() else {
            Issue.record("expected overflowed")
            return
        }
    }

    @Test func finishingDeliversWhatIsQueuedFirst() async {
        let queue = SubscriberQueue<Int>(capacity: 5)
        queue.offer(1)
        queue.finish()
        queue.offer(2)
        #expect(queue.depth == 1, "nothing is queued after the end")
        guard case .item(1) = await queue.next(), case .finished = await queue.next() else {
            Issue.record("expected 1, then finished")
            return
        }
    }

    @Test func aCancelledConsumerIsFinished() async throws {
        let queue = SubscriberQueue<Int>(capacity: 5)
        let consumer = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        guard case .finished = await consumer.value else {
            Issue.record("expected finished")
            return
        }
    }

    @Test func drainTakesEverythingQueuedWithoutWaiting() {
        let queue = SubscriberQueue<Int>(capacity: 5)
        #expect(queue.drain().isEmpty)
        for n in 1...4 { queue.offer(n) }
        #expect(queue.drain() == [1, 2, 3, 4])
        #expect(queue.depth == 0)
    }
}
