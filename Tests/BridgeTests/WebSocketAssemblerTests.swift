import Bridge
import NIOCore
import NIOWebSocket
import Testing

@Suite struct UTF8ValidatorTests {
    @Test(arguments: [
        [UInt8](), Array("hello".utf8), Array("κόσμε".utf8), Array("🏀 and ascii long enough to use the fast path".utf8),
        [0xF4, 0x8F, 0xBF, 0xBF],
    ])
    func accepts(_ bytes: [UInt8]) {
        #expect(UTF8Validator.isValid(ByteBuffer(bytes: bytes)))
    }

    @Test(arguments: [
        [0xC0, 0x80] as [UInt8], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0xE2, 0x82],
        Array("abcdefgh".utf8) + [0xC3, 0x28],
    ])
    func rejects(_ bytes: [UInt8]) {
        #expect(!UTF8Validator.isValid(ByteBuffer(bytes: bytes)))
    }

    @Test func failsFastAcrossFragments() {
        var validator = UTF8Validator()
        #expect({ validator.feed(ByteBuffer(bytes: [0xCE])) }())
        #expect(!validator.isComplete)
        #expect({ validator.feed(ByteBuffer(bytes: [0xBA])) }())
        #expect(validator.isComplete)
        #expect({ !validator.feed(ByteBuffer(bytes: [0xED, 0xA0])) }())  // a surrogate: invalid at once
    }

    @Test func agreesWithTheStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(UTF8Validator.isValid(ByteBuffer(bytes: bytes)) == expected, "\(bytes)")
        }
    }
}

@Suite struct WebSocketAssemblerTests {
    private let key = WebSocketMaskingKey([1, 2, 3, 4])!

    private func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false)
        -> WebSocketFrame
    {
        var data = ByteBuffer(bytes: bytes)
        if masked { data.webSocketMask(key) }
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: masked ? key : nil, data: data)
    }

    @Test func textAndBinary() {
        var assembler = WebSocketMessageAssembler(maximumMessageBytes: 100)
        #expect({ assembler.receive(frame(.text, Array("hi".utf8))) == .text(ByteBuffer(string: "hi")) }())
        #expect({ assembler.receive(frame(.binary, [0, 1])) == .binary(ByteBuffer(bytes: [0, 1])) }())
    }

    @Test func fragmentsWithInterleavedPing() {
        var assembler = WebSocketMessageAssembler(maximumMessageBytes: 100)
        #expect({ assembler.receive(frame(.text, Array("fra".utf8), fin: false)) == .none }())
        #expect({ assembler.receive(frame(.ping, [9])) == .ping(ByteBuffer(bytes: [9])) }())
        #expect({ assembler.receive(frame(.continuation, Array("gm".utf8), fin: false)) == .none }())
        #expect({ assembler.receive(frame(.continuation, Array("ent".utf8))) == .text(ByteBuffer(string: "fragment")) }())
    }

    @Test func protocolViolations() {
        var assembler = WebSocketMessageAssembler(maximumMessageBytes: 100)
        #expect(
            {
                assembler.receive(frame(.continuation, [1]))
                    == .fail(code: 1002, reason: "continuation frame without a message to continue")
            }())
        #expect({ assembler.receive(frame(.text, [65], rsv1: true)).failureCode == 1002 }())
        #expect({ assembler.receive(frame(.text, [65], masked: false)).failureCode == 1002 }())
        #expect(
            {
                assembler.receive(
                    WebSocketFrame(fin: true, opcode: WebSocketOpcode(encodedWebSocketOpcode: 3)!, maskKey: key, data: ByteBuffer())
                ).failureCode == 1002
            }())
        var fragmented = WebSocketMessageAssembler(maximumMessageBytes: 100)
        _ = fragmented.receive(frame(.text, [65], fin: false))
        #expect({ fragmented.receive(frame(.text, [65])).failureCode == 1002 }())
    }

    @Test func invalidUTF8AndSize() {
        var assembler = WebSocketMessageAssembler(maximumMessageBytes: 4)
        #expect({ assembler.receive(frame(.text, [0xC0, 0x80])).failureCode == 1007 }())
        var split = WebSocketMessageAssembler(maximumMessageBytes: 4)
        #expect({ split.receive(frame(.text, [0xCE], fin: false)) == .none }())
        #expect({ split.receive(frame(.continuation, [0x41])).failureCode == 1007 }())
        var big = WebSocketMessageAssembler(maximumMessageBytes: 4)
        #expect({ big.receive(frame(.text, Array("12345".utf8))).failureCode == 1009 }())
        var bigFragments = WebSocketMessageAssembler(maximumMessageBytes: 4)
        #expect({ bigFragments.receive(frame(.binary, [1, 2, 3], fin: false)) == .none }())
        #expect({ bigFragments.receive(frame(.continuation, [4, 5])).failureCode == 1009 }())
    }

    @Test func closeFrames() {
        var assembler = WebSocketMessageAssembler(maximumMessageBytes: 100)
        #expect({ assembler.receive(frame(.connectionClose, [])) == .close(code: nil) }())
        #expect({ assembler.receive(frame(.connectionClose, [0x03, 0xE8] + Array("bye".utf8))) == .close(code: 1000) }())
        #expect({ assembler.receive(frame(.connectionClose, [0x03])).failureCode == 1002 }())
        #expect(assembler.receive(frame(.connectionClose, [0x03, 0xED])).failureCode == 1002)  // 1005
        #expect({ assembler.receive(frame(.connectionClose, [0x03, 0xE8, 0xC0])).failureCode == 1007 }())
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
            #expect(WebSocketMessageAssembler.isValidCloseCode(code))
        }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000] {
            #expect(!WebSocketMessageAssembler.isValidCloseCode(code))
        }
    }

    @Test func serverFramesAreUnmaskedAndSized() {
        let small = WebSocketFrames.text(ByteBuffer(string: "hi"))
        #expect(small.getBytes(at: 0, length: 2) == [0x81, 2])
        let medium = WebSocketFrames.text(ByteBuffer(repeating: 0x41, count: 300))
        #expect(medium.getBytes(at: 0, length: 4) == [0x81, 126, 0x01, 0x2C])
        let large = WebSocketFrames.frame(opcode: WebSocketFrames.binary, payload: ByteBuffer(repeating: 0, count: 70_000))
        #expect(large.getBytes(at: 0, length: 2) == [0x82, 127])
        #expect(large.readableBytes == 70_000 + 10)
        let close = WebSocketFrames.close(code: 4000, reason: String(repeating: "é", count: 100))
        #expect(close.readableBytes <= 127)
    }
}

extension WebSocketMessageAssembler.Action {
    var failureCode: UInt16? {
        if case .fail(let code, _) = self { return code }
        return nil
    }
}
