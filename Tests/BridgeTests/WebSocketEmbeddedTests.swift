import NIOCore
import NIOEmbedded
import Testing

@testable import Bridge

/// A WebSocket connection through the bridge's real pipeline (`BridgeServer.configure`, the
/// upgrade, `WebSocketHandler` in echo mode) on an `EmbeddedChannel`: no socket, no hub.
@Suite struct WebSocketEmbeddedTests {
    typealias Frame = TestWebSocket.Frame

    static let upgradeRequest =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

    /// An upgraded connection, its 101 answer already read.
    struct Connection {
        let http: EmbeddedHTTP
        let answer: String
        private var pending: [UInt8] = []

        /// An echo-mode connection (no hub).
        init(maxMessageBytes: Int = 1 << 20) throws {
            let app = EmbeddedHTTP.app {
                $0.websocketEcho = true
                $0.echoMaxMessageBytes = maxMessageBytes
            }
            try self.init(app: app)
        }

        /// A connection to `app` from `peer`, its upgrade request carrying `headers` too.
        init(app: BridgeApp, loop: EmbeddedEventLoop? = nil, peer: String = "192.0.2.1", headers: [(String, String)] = []) throws {
            http = try EmbeddedHTTP(app: app, peer: peer, loop: loop)
            let extra = headers.map { "\($0.0): \($0.1)\r\n" }.joined()
            // The request without its final line ("\r\n" is one Character), then `headers`.
            try http.send(String(WebSocketEmbeddedTests.upgradeRequest.dropLast()) + extra + "\r\n")
            http.channel.embeddedEventLoop.run()
            var bytes: [UInt8] = []
            while let buffer = try http.channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
            // The 101 answer, then frames written right after the upgrade (a hello, a refusal).
            let end = Self.endOfHead(bytes) ?? bytes.count
            answer = String(decoding: bytes[..<end], as: UTF8.self)
            pending = Array(bytes[end...])
        }

        private static func endOfHead(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4) where bytes[index..<(index + 4)].elementsEqual([13, 10, 13, 10]) { return index + 4 }
            return nil
        }

        /// Sends a client frame (masked unless told otherwise; `rsv`: the three reserved bits).
        func send(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) throws {
            let buffer = TestWebSocket.clientFrame(opcode: opcode, payload: payload, fin: fin, masked: masked, rsv: rsv)
            // NIO's frame decoder reports a malformed frame as an error after passing it on.
            _ = try? http.channel.writeInbound(buffer)
            http.channel.embeddedEventLoop.run()
        }

        /// Every complete frame the server wrote since the last call.
        mutating func frames() throws -> [Frame] {
            http.channel.embeddedEventLoop.run()
            while let buffer = try http.channel.readOutbound(as: ByteBuffer.self) {
                pending += buffer.readableBytesView
            }
            var frames: [Frame] = []
            while pending.count >= 2 {
                var length = Int(pending[1] & 0x7F)
                var offset = 2
                if length == 126 {
                    guard pending.count >= 4 else { break }
                    length = Int(pending[2]) << 8 | Int(pending[3])
                    offset = 4
                } else if length == 127 {
                    guard pending.count >= 10 else { break }
                    length = pending[2..<10].reduce(0) { $0 << 8 | Int($1) }
                    offset = 10
                }
                guard pending.count >= offset + length else { break }
                frames.append(
                    Frame(fin: pending[0] & 0x80 != 0, opcode: pending[0] & 0x0F, payload: Array(pending[offset..<(offset + length)])))
                pending.removeFirst(offset + length)
            }
            return frames
        }
    }

    @Test func theUpgradeIsAnsweredWith101AndTheAcceptKey() throws {
        let connection = try Connection()
        #expect(EmbeddedHTTP.status(connection.answer) == 101)
        #expect(EmbeddedHTTP.header("sec-websocket-accept", in: connection.answer) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(connection.http.isOpen)
    }

    @Test func aTextFrameIsEchoed() throws {
        var connection = try Connection()
        try connection.send(opcode: 1, payload: Array("hello".utf8))
        let frames = try connection.frames()
        #expect(frames.map(\.opcode) == [1])
        #expect(frames.first?.text == "hello")
        // A message in two fragments comes back whole.
        try connection.send(opcode: 1, payload: Array("frag".utf8), fin: false)
        try connection.send(opcode: 0, payload: Array("ment".utf8))
        #expect(try connection.frames().map(\.text) == ["fragment"])
    }

    @Test func aPingGetsAPongWithItsPayload() throws {
        var connection = try Connection()
        try connection.send(opcode: 9, payload: [7, 8, 9])
        let frames = try connection.frames()
        #expect(frames.map(\.opcode) == [10])
        #expect(frames.first?.payload == [7, 8, 9])
    }

    @Test func theCloseHandshakeEchoesTheCodeAndEndsTheConnection() throws {
        var connection = try Connection()
        try connection.send(opcode: 8, payload: [0x03, 0xE8] + Array("bye".utf8))  // 1000
        let frames = try connection.frames()
        #expect(frames.map(\.opcode) == [8])
        #expect(frames.first?.closeCode == 1000)
        #expect(!connection.http.isOpen)
    }

    @Test func anOversizedFrameClosesWith1009() throws {
        var connection = try Connection(maxMessageBytes: 1024)
        try connection.send(opcode: 1, payload: Array(repeating: 0x61, count: 2000))
        let frames = try connection.frames()
        #expect(frames.map(\.opcode) == [8])
        #expect(frames.first?.closeCode == 1009)
    }

    @Test func aMessageOverTheLimitAcrossFragmentsClosesWith1009() throws {
        var connection = try Connection(maxMessageBytes: 1024)
        try connection.send(opcode: 1, payload: Array(repeating: 0x61, count: 800), fin: false)
        try connection.send(opcode: 0, payload: Array(repeating: 0x61, count: 800))
        #expect(try connection.frames().first?.closeCode == 1009)
    }

    @Test func invalidUTF8ClosesWith1007() throws {
        var whole = try Connection()
        try whole.send(opcode: 1, payload: [0x7B, 0xC0, 0x80, 0x7D])
        #expect(try whole.frames().map(\.closeCode) == [1007])
        // Across fragments: a sequence begun in one and broken in the next.
        var split = try Connection()
        try split.send(opcode: 1, payload: [0x7B, 0xCE], fin: false)
        #expect(try split.frames().isEmpty)
        try split.send(opcode: 0, payload: [0x41, 0x7D])
        #expect(try split.frames().map(\.closeCode) == [1007], "the close frame alone: nothing was echoed")
    }

    @Test func anUnmaskedFrameClosesWith1002() throws {
        var connection = try Connection()
        try connection.send(opcode: 1, payload: Array("{}".utf8), masked: false)
        #expect(try connection.frames().map(\.closeCode) == [1002])
    }

    @Test func aReservedBitClosesWith1002() throws {
        var connection = try Connection()
        try connection.send(opcode: 1, payload: Array("{}".utf8), rsv: 4)
        #expect(try connection.frames().map(\.closeCode) == [1002])
    }

    @Test func malformedControlFramesCloseWith1002() throws {
        // Longer than 125 bytes, or fragmented: NIO's decoder refuses both.
        var long = try Connection()
        try long.send(opcode: 9, payload: [UInt8](repeating: 1, count: 126))
        #expect(try long.frames().map(\.closeCode) == [1002])
        var fragmented = try Connection()
        try fragmented.send(opcode: 9, payload: [1], fin: false)
        #expect(try fragmented.frames().map(\.closeCode) == [1002])
        // A continuation with no message to continue.
        var orphan = try Connection()
        try orphan.send(opcode: 0, payload: [0x41])
        #expect(try orphan.frames().map(\.closeCode) == [1002])
    }

    @Test func aClientCloseIsAnsweredWithItsCodeAndAnInvalidCodeWith1002() throws {
        var polite = try Connection()
        try polite.send(opcode: 8, payload: [0x0F, 0xA0])  // 4000
        #expect(try polite.frames().map(\.closeCode) == [4000])
        #expect(!polite.http.isOpen)
        var invalid = try Connection()
        try invalid.send(opcode: 8, payload: [0x03, 0xED])  // 1005 may not be sent
        #expect(try invalid.frames().map(\.closeCode) == [1002])
    }

    @Test func aReservedOpcodeClosesWith1002() throws {
        var connection = try Connection()
        try connection.send(opcode: 3, payload: [1])
        let frames = try connection.frames()
        #expect(frames.map(\.opcode) == [8])
        #expect(frames.first?.closeCode == 1002)
        // Whatever the client sends after is dropped; its close frame ends the connection.
        try connection.send(opcode: 1, payload: Array("late".utf8))
        #expect(try connection.frames().isEmpty)
        try connection.send(opcode: 8, payload: [0x03, 0xEA])
        #expect(!connection.http.isOpen)
    }
}
