import CourtsideProto
import Foundation
import NIOHTTP1
import Testing

@testable import Bridge

/// Every number a client sends, at the boundaries: refused with the documented error, never a
/// trap. The values of the hostile suite: 0, 1, 2^31, 2^32, 2^53, 2^63 − 1, 2^63, 2^64 − 1, and
/// past 64 bits.
@Suite struct BoundaryNumberTests {
    static let tooLarge = [
        "9007199254740992", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "1" + String(repeating: "0", count: 400),
    ]
    static let accepted: [UInt64] = [0, 1, 1 << 31, 1 << 32, ProtocolIds.maximumInteger]

    @Test(arguments: tooLarge + ["-1", "-9223372036854775808", "1.5", "1e400", "-1e400", "1e16", "1e-400", "-0.5"])
    func resumePositionsOutOfRangeAreBadRequests(_ number: String) {
        for field in ["epoch", "seq"] {
            let other = field == "epoch" ? "seq" : "epoch"
            let text = #"{"type":"subscribe","resume":{"g":{"\#(field)":\#(number),"\#(other)":1}},"id":"r"}"#
            guard case .failure(let error) = ClientMessageDecoder.decode(Array(text.utf8)) else {
                Issue.record("\(field) \(number) was accepted")
                continue
            }
            #expect(error.code == .badRequest)
            #expect(error.ref == "r")
        }
    }

    @Test(arguments: ["NaN", "Infinity", "0x10", "01", "+1", ".5", "1.", "--1"])
    func numbersThatAreNotJSONAreBadRequests(_ number: String) {
        let text = #"{"type":"subscribe","resume":{"g":{"epoch":\#(number),"seq":1}}}"#
        guard case .failure(let error) = ClientMessageDecoder.decode(Array(text.utf8)) else {
            Issue.record("\(number) was accepted")
            return
        }
        #expect(error.code == .badRequest)
    }

    @Test(arguments: accepted)
    func resumePositionsInRangeAreAccepted(_ number: UInt64) throws {
        let text = #"{"type":"subscribe","resume":{"g":{"epoch":\#(number),"seq":\#(number)}}}"#
        let message = try ClientMessageDecoder.decode(Array(text.utf8)).get()
        #expect(message == .subscribe(ClientMessage.Subscribe(resume: ["g": GamePosition(epoch: number, seq: number)])))
    }

    @Test(arguments: tooLarge + ["-1", "+1", " 1", "1 ", "0x1", "1e3", ""])
    func cursorNumbersOutOfRangeAreRefused(_ number: String) {
        #expect(throws: SSECursor.Invalid.self) { try SSECursor.parse("g:\(number):1") }
        #expect(throws: SSECursor.Invalid.self) { try SSECursor.parse("g:1:\(number)") }
        let configuration = BridgeConfiguration()
        guard
            case .failure(let answer) = HTTPHandler.streamRequest(
                parameters: HTTPHandler.parameters("games=g"), lastEventID: "g:1:\(number)", configuration: configuration)
        else {
            Issue.record("Last-Event-ID g:1:\(number) was accepted")
            return
        }
        #expect(answer.status == .badRequest)
    }

    @Test(arguments: accepted)
    func cursorNumbersInRangeAreAccepted(_ number: UInt64) throws {
        #expect(try SSECursor.parse("g:\(number):\(number)") == ["g": GamePosition(epoch: number, seq: number)])
    }

    @Test(arguments: tooLarge + ["0", "-1", "+1", "1.0", "1e3", " 1", ""])
    func eventsBeforeOutOfRangeIs400(_ number: String) async {
        let answer = try? await EmbeddedHTTP.app().api.events("G1", before: number, limit: nil)
        #expect(answer?.status == .badRequest)
    }

    @Test(arguments: tooLarge + ["0", "201", "-1", "+5", "2147483648", "4294967296", ""])
    func eventsLimitOutOfRangeIs400(_ number: String) async {
        let answer = try? await EmbeddedHTTP.app().api.events("G1", before: nil, limit: number)
        #expect(answer?.status == .badRequest)
    }

    @Test func positionsNeverOverflow() {
        let last = GamePosition(epoch: 1, seq: .max)
        #expect(!last.isFollowed(by: GamePosition(epoch: 1, seq: 0)))
        #expect(GamePosition(epoch: 1, seq: 41).isFollowed(by: GamePosition(epoch: 1, seq: 42)))
        #expect(!GamePosition(epoch: 1, seq: 41).isFollowed(by: GamePosition(epoch: 2, seq: 42)))
        let event = Event(position: Position(epoch: 1, seq: .max))
        #expect(!Session.isContiguous([event], after: .max, upTo: .max))
        #expect(Session.isContiguous([event], after: .max - 1, upTo: .max))
        #expect(Session.isContiguous([], after: .max, upTo: .max))
    }
}
