import CourtsideProto
import EventRelay
import Testing

@Suite struct CatchUpPlanTests {
    let head = Position(epoch: 7, seq: 10)

    @Test func withoutAPositionTheSubscriberGetsAnInitialSnapshot() {
        #expect(CatchUpPlan.plan(cursor: nil, head: head) == .snapshot(.initial))
    }

    @Test func atTheHeadThereIsNothingToCatchUp() {
        #expect(CatchUpPlan.plan(cursor: head, head: head, firstKeptSeq: 4) == .nothing)
    }

    @Test func behindWithinTheKeptHistoryTheEventsFollow() {
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: 5), head: head, firstKeptSeq: 4) == .events(afterSeq: 5))
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: 3), head: head, firstKeptSeq: 4) == .events(afterSeq: 3))
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: 0), head: head) == .events(afterSeq: 0))
    }

    @Test func behindBeyondTheKeptHistoryIsAReset() {
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: 2), head: head, firstKeptSeq: 4) == .snapshot(.reset))
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: 0), head: head, firstKeptSeq: 2) == .snapshot(.reset))
    }

    @Test func anotherEpochIsAReset() {
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 6, seq: 10), head: head) == .snapshot(.reset))
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 8, seq: 1), head: head) == .snapshot(.reset))
    }

    @Test func aheadOfTheHeadIsAReset() {
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: 11), head: head) == .snapshot(.reset))
        #expect(CatchUpPlan.plan(cursor: Position(epoch: 7, seq: .max), head: head, firstKeptSeq: .max) == .snapshot(.reset))
    }

    @Test func anEmptyLogIsCaughtUpAtSeqZero() {
        let empty = Position(epoch: 7, seq: 0)
        #expect(CatchUpPlan.plan(cursor: empty, head: empty) == .nothing)
        #expect(CatchUpPlan.plan(cursor: nil, head: empty) == .snapshot(.initial))
    }
}
