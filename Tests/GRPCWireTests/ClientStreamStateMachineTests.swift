import GRPCWire
import Testing

@Suite struct ClientStreamStateMachineTests {
    static let head: [(name: String, value: String)] = [(":status", "200"), ("content-type", "application/grpc"), ("x-head", "h")]
    static let okTrailers: [(name: String, value: String)] = [("grpc-status", "0"), ("x-trailer", "t")]

    static func metadata(_ pairs: (String, String)...) -> Metadata {
        var metadata = Metadata()
        for (name, value) in pairs { metadata.addWireHeader(name: name, value: value) }
        return metadata
    }

    /// The status of a `.fail` headers action, or nil.
    static func failure(_ action: ClientStreamStateMachine.HeadersAction) -> (status: GRPCStatus, reset: Bool)? {
        if case .fail(let status, _, let reset) = action { return (status, reset) }
        return nil
    }

    @Test func healthyCallGoesHeadMessagesTrailers() {
        var machine = ClientStreamStateMachine()
        #expect(machine.state == .awaitingResponseHead(requestsFinished: false))
        #expect(machine.sendingMessage() == .send)
        #expect(machine.finishingRequests() == .sendEndStream)
        #expect(machine.state == .awaitingResponseHead(requestsFinished: true))
        #expect(machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false) == .deliverHead(Self.metadata(("x-head", "h"))))
        #expect(machine.state == .receivingResponse(requestsFinished: true))
        #expect(machine.receivedData() == .deframe)
        #expect(machine.receivedData() == .deframe)
        let end = machine.receivedHeaders(Self.okTrailers, endStream: true, endsMidMessage: false)
        #expect(end == .finish(status: .ok, trailers: Self.metadata(("x-trailer", "t")), trailersOnlyHead: nil))
        #expect(machine.isClosed)
    }

    @Test func requestsMayContinueAfterTheResponseHead() {
        var machine = ClientStreamStateMachine()
        _ = machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
        #expect(machine.state == .receivingResponse(requestsFinished: false))
        #expect(machine.sendingMessage() == .send)
        #expect(machine.finishingRequests() == .sendEndStream)
        #expect(machine.state == .receivingResponse(requestsFinished: true))
    }

    @Test func sendingAfterTheRequestsEndedFails() {
        var machine = ClientStreamStateMachine()
        #expect(machine.finishingRequests() == .sendEndStream)
        #expect(machine.finishingRequests() == .drop)
        guard case .fail(let status) = machine.sendingMessage() else {
            Issue.record("a message after the half-close must fail")
            return
        }
        #expect(status.code == .internal)
    }

    @Test func trailersOnlyCarriesHeadAndStatus() {
        var machine = ClientStreamStateMachine()
        let headers: [(name: String, value: String)] = [
            (":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "5"), ("grpc-message", "no%20such%20game"),
            ("x-why", "gone"),
        ]
        let action = machine.receivedHeaders(headers, endStream: true, endsMidMessage: false)
        let expected = GRPCStatus(code: .notFound, message: "no such game")
        #expect(
            action
                == .finish(status: expected, trailers: Self.metadata(("x-why", "gone")), trailersOnlyHead: Self.metadata(("x-why", "gone")))
        )
        #expect(machine.isClosed)
    }

    @Test func trailersOnlyNeedsNoContentType() {
        var machine = ClientStreamStateMachine()
        let action = machine.receivedHeaders([(":status", "200"), ("grpc-status", "0")], endStream: true, endsMidMessage: false)
        #expect(action == .finish(status: .ok, trailers: Metadata(), trailersOnlyHead: Metadata()))
    }

    @Test func missingGRPCStatusIsInternal() {
        var trailersOnly = ClientStreamStateMachine()
        let first = Self.failure(trailersOnly.receivedHeaders([(":status", "200"), ("x-a", "1")], endStream: true, endsMidMessage: false))
        #expect(first?.status.code == .internal)
        #expect(first?.reset == false)
        #expect(trailersOnly.isClosed)

        var afterHead = ClientStreamStateMachine()
        _ = afterHead.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
        let action = afterHead.receivedHeaders([("x-a", "1")], endStream: true, endsMidMessage: false)
        #expect(
            action
                == .fail(
                    GRPCStatus(code: .internal, message: "server ended the call without grpc-status"),
                    trailers: Self.metadata(("x-a", "1")), resetStream: false))
    }

    @Test func secondHeadersWithoutEndStreamIsAViolation() {
        var machine = ClientStreamStateMachine()
        _ = machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
        let failure = Self.failure(machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false))
        #expect(failure?.status.code == .internal)
        #expect(failure?.reset == true)
        #expect(machine.isClosed)
    }

    @Test func headersAfterTheStatusAreDropped() {
        var machine = ClientStreamStateMachine()
        _ = machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
        _ = machine.receivedHeaders(Self.okTrailers, endStream: true, endsMidMessage: false)
        #expect(machine.receivedHeaders(Self.okTrailers, endStream: true, endsMidMessage: false) == .drop)
        #expect(machine.receivedData() == .drop)
        #expect(machine.receivedEndStream() == .drop)
        #expect(machine.streamClosed(errorCode: 0, reason: "NO_ERROR") == .drop)
    }

    @Test func dataBeforeHeadersIsAViolation() {
        var machine = ClientStreamStateMachine()
        guard case .fail(let status) = machine.receivedData() else {
            Issue.record("DATA before HEADERS must fail the call")
            return
        }
        #expect(status.code == .internal)
        #expect(machine.isClosed)
        #expect(machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false) == .drop)
    }

    @Test func statusInTheMiddleOfAMessageIsInternal() {
        var machine = ClientStreamStateMachine()
        _ = machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
        let failure = Self.failure(machine.receivedHeaders(Self.okTrailers, endStream: true, endsMidMessage: true))
        #expect(failure?.status == GRPCStatus(code: .internal, message: "response stream ended in the middle of a message"))
        #expect(failure?.reset == false)
    }

    @Test func endStreamWithoutTrailersIsInternal() {
        var machine = ClientStreamStateMachine()
        _ = machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
        #expect(machine.receivedEndStream() == .fail(GRPCStatus(code: .internal, message: "server ended the stream without trailers")))
        #expect(machine.isClosed)
    }

    @Test func nonGRPCAnswersMapTheHTTPStatus() {
        for (http, code) in [("404", GRPCStatusCode.unimplemented), ("503", .unavailable), ("401", .unauthenticated), ("500", .unknown)] {
            var machine = ClientStreamStateMachine()
            let failure = Self.failure(machine.receivedHeaders([(":status", http)], endStream: false, endsMidMessage: false))
            #expect(failure?.status.code == code, "HTTP \(http)")
            #expect(failure?.reset == true)
            #expect(machine.isClosed)
        }
        var ended = ClientStreamStateMachine()
        #expect(Self.failure(ended.receivedHeaders([(":status", "503")], endStream: true, endsMidMessage: false))?.reset == false)
    }

    @Test func wrongContentTypeIsUnknown() {
        var machine = ClientStreamStateMachine()
        let failure = Self.failure(
            machine.receivedHeaders([(":status", "200"), ("content-type", "text/html")], endStream: false, endsMidMessage: false))
        #expect(failure?.status.code == .unknown)
        #expect(failure?.reset == true)
    }

    @Test func resetBeforeTheStatusFailsTheCall() {
        for (code, expected) in [
            (UInt32(0x8), GRPCStatusCode.cancelled), (0x7, .unavailable), (0xb, .resourceExhausted), (0x2, .internal), (0x0, .internal),
        ] {
            var machine = ClientStreamStateMachine()
            _ = machine.receivedHeaders(Self.head, endStream: false, endsMidMessage: false)
            guard case .fail(let status) = machine.streamClosed(errorCode: code, reason: "code \(code)") else {
                Issue.record("a reset must fail an open call")
                continue
            }
            #expect(status.code == expected)
            #expect(machine.isClosed)
            #expect(machine.sendingMessage() == .drop)
        }
    }

    @Test func localFailureResetsAnOpenStreamOnce() {
        var machine = ClientStreamStateMachine()
        #expect(machine.failingLocally() == .resetStreamAndFail)
        #expect(machine.failingLocally() == .drop)
        #expect(machine.finishingRequests() == .drop)

        var finished = ClientStreamStateMachine()
        _ = finished.receivedHeaders([(":status", "200"), ("grpc-status", "0")], endStream: true, endsMidMessage: false)
        #expect(finished.failingLocally() == .drop)
    }

    @Test func connectionEndFailsOnlyOpenCalls() {
        var open = ClientStreamStateMachine()
        let first = open.connectionEnded()
        let second = open.connectionEnded()
        #expect(first)
        #expect(!second)
        #expect(open.streamClosed(errorCode: 0x8, reason: "CANCEL") == .drop)
    }
}
