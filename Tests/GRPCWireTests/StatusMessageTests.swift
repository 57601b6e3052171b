import GRPCWire
import Testing

@Suite struct StatusMessageForWireTests {
    @Test func aShortMessageIsSentAsItIs() {
        let message = String(repeating: "x", count: GRPCStatus.maximumMessageBytes)
        #expect(GRPCStatus(code: .invalidArgument, message: message).messageForWire == message)
    }

    @Test func aLongMessageIsCutAtACharacterBoundary() {
        // 3 bytes of ASCII, then 4-byte characters: the limit falls inside one.
        let message = "abc" + String(repeating: "🏀", count: 1000)
        let sent = GRPCStatus(code: .notFound, message: message).messageForWire
        #expect(sent == "abc" + String(repeating: "🏀", count: (GRPCStatus.maximumMessageBytes - 3) / 4) + "…")
        #expect(sent.utf8.count <= GRPCStatus.maximumMessageBytes + "…".utf8.count)
    }
}
