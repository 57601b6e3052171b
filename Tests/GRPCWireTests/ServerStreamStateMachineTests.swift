import GRPCWire
import Testing

@Suite struct ServerStreamStateMachineTests {
    @Test func unaryWaitsForMessageAndHalfClose() {
        var machine = ServerStreamStateMachine()
        #expect(machine.receivedHead(kind: .unary) == .awaitRequest)
        #expect(machine.receivedMessage() == .hold)
        #expect(machine.receivedEnd() == .startHandlerWithRequest)
        #expect(machine.sendingMessage() == .sendHeadThenMessage)
        #expect(machine.sendingStatus() == .sendTrailers)
        #expect(machine.isClosed)
        #expect(machine.sendingMessage() == .drop)
        #expect(machine.sendingStatus() == .drop)
    }

    @Test func unaryRejectsZeroOrTwoRequests() {
        var none = ServerStreamStateMachine()
        _ = none.receivedHead(kind: .unary)
        guard case .fail(let status) = none.receivedEnd() else {
            Issue.record("expected failure")
            return
        }
        #expect(status.code == .unimplemented)

        var two = ServerStreamStateMachine()
        _ = two.receivedHead(kind: .serverStreaming)
        _ = two.receivedMessage()
        guard case .fail = two.receivedMessage() else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func unaryResponseIsASingleMessage() {
        var machine = ServerStreamStateMachine()
        _ = machine.receivedHead(kind: .clientStreaming)
        #expect(machine.sendingMessage() == .sendHeadThenMessage)
        guard case .fail = machine.sendingMessage() else {
            Issue.record("a second response must fail")
            return
        }
    }

    @Test func streamingStartsAtOnceAndDelivers() {
        var machine = ServerStreamStateMachine()
        #expect(machine.receivedHead(kind: .bidirectionalStreaming) == .startHandler)
        #expect(machine.receivedMessage() == .deliver)
        #expect(machine.sendingMessage() == .sendHeadThenMessage)
        #expect(machine.sendingMessage() == .sendMessage)
        #expect(machine.receivedMessage() == .deliver)
        #expect(machine.receivedEnd() == .finishRequestStream)
        guard case .fail = machine.receivedMessage() else {
            Issue.record("messages after the half-close are a violation")
            return
        }
        #expect(machine.sendingStatus() == .sendTrailers)
    }

    @Test func headSentAheadOfMessagesIsSentOnce() {
        var machine = ServerStreamStateMachine()
        _ = machine.receivedHead(kind: .serverStreaming)
        _ = machine.receivedMessage()
        _ = machine.receivedEnd()
        #expect(machine.sendingHead() == .sendHead)
        #expect(machine.sendingHead() == .alreadySent)
        #expect(machine.sendingMessage() == .sendMessage)
        #expect(machine.sendingStatus() == .sendTrailers)
        #expect(machine.sendingHead() == .drop)
    }

    @Test func errorAfterAnEarlyHeadIsSentAsTrailers() {
        var machine = ServerStreamStateMachine()
        _ = machine.receivedHead(kind: .bidirectionalStreaming)
        #expect(machine.sendingHead() == .sendHead)
        #expect(machine.sendingStatus() == .sendTrailers)
    }

    @Test func errorBeforeAnyResponseIsTrailersOnly() {
        var machine = ServerStreamStateMachine()
        _ = machine.receivedHead(kind: .serverStreaming)
        #expect(machine.sendingStatus() == .sendTrailersOnly)
    }

    @Test func resetClosesEverything() {
        var machine = ServerStreamStateMachine()
        _ = machine.receivedHead(kind: .bidirectionalStreaming)
        machine.reset()
        #expect(machine.receivedMessage() == .drop)
        #expect(machine.receivedEnd() == .drop)
        #expect(machine.sendingStatus() == .drop)
    }
}
