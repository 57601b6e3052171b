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

        init(maxMessageBytes: Int = 1 << 20) throws {
            let app = EmbeddedHTTP.app {
                $0.websocketEcho = true
                $0.echoMaxMessageBytes = maxMessageBytes
            }
            http = try EmbeddedHTTP(app: app)
            try http.send(WebSocketEmbeddedTests.upgradeRequest)
            http.channel.embeddedEventLoop.run()
            answer = try http.received()
        }

        /// Sends a masked client frame.
        func send(opcode: UInt8, payload: [UInt8], fin: Bool = true) throws {
            var buffer = ByteBuffer()
            buffer.writeInteger((fin ? 0x80 : 0) | opcode)
            if payload.count < 126 {
                buffer.writeInteger(0x80 | UInt8(payload.count))
            } else if payload.count <= 65535 {
                buffer.writeInteger(UInt8(0x80 | 126))
                buffer.writeInteger(UInt16(payload.count))
            } else {
                buffer.writeInteger(UInt8(0x80 | 127))
                buffer.writeInteger(UInt64(payload.count))
            }
            let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            buffer.writeBytes(key)
            buffer.writeBytes(payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
            try http.channel.writeInbound(buffer)
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
