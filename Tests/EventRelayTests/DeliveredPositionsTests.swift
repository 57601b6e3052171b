import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import Testing

@Suite struct DeliveredPositionsTests {
    @Test func itemsAtOrBeforeWhatWasSentAreDropped() {
        var delivered = DeliveredPositions()
        delivered.record(gameId: "g", position: Position(epoch: 7, seq: 10))
        let admitted = [9, 10, 11, 11].map { delivered.admit(gameId: "g", position: Position(epoch: 7, seq: $0), isSnapshot: false) }
        #expect(admitted == [false, false, true, false], "admitting records the position")
        let otherGame = delivered.admit(gameId: "other", position: Position(epoch: 1, seq: 1), isSnapshot: false)
        #expect(otherGame)
    }

    @Test func aResetSnapshotOrAnotherEpochAlwaysPasses() {
        var delivered = DeliveredPositions()
        delivered.record(gameId: "g", position: Position(epoch: 7, seq: 10))
        let reset = delivered.admit(gameId: "g", position: Position(epoch: 7, seq: 3), isSnapshot: true)
        let otherEpoch = delivered.admit(gameId: "g", position: Position(epoch: 9, seq: 1), isSnapshot: false)
        #expect(reset)
        #expect(otherEpoch)
        #expect(delivered.positions["g"] == Position(epoch: 9, seq: 1))
    }

    @Test func theCursorsAreSortedByGame() {
        var delivered = DeliveredPositions()
        delivered.record(gameId: "b", position: Position(epoch: 1, seq: 2))
        delivered.record(gameId: "a", position: Position(epoch: 1, seq: 5))
        #expect(delivered.cursors.map(\.gameId) == ["a", "b"])
        #expect(delivered.cursors.first?.after == Position(epoch: 1, seq: 5))
    }
}

@Suite struct SlowSubscriberTests {
    @Test func theErrorCarriesThePositionsInTheResumeTrailer() throws {
        let cursors = [GameCursor(gameId: "g", after: Position(epoch: 7, seq: 10))]
        let error = SlowSubscriber.error(capacity: 50, cursors: cursors)
        #expect(error.code == .resourceExhausted)
        #expect(error.message.contains("50"))
        #expect(error.message.contains(SlowSubscriber.resumeTrailer))
        #expect(SlowSubscriber.resumeCursors(in: error)?.cursors == cursors)
    }

    @Test func anErrorWithoutTheTrailerHasNoPositions() {
        #expect(SlowSubscriber.resumeCursors(in: RPCError(.resourceExhausted, "too many")) == nil)
    }
}
