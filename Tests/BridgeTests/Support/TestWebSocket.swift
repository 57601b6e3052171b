import Bridge
import Foundation
import NIOCore
import NIOPosix
import Synchronization

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A minimal WebSocket client for tests: a raw TCP connection, the RFC 6455 handshake written by
/// hand, masked frames out, frames parsed from what arrives. It can stop reading (to play a
/// slow browser) and send malformed frames.
final class TestWebSocket: Sendable {
    struct Frame: Sendable {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        var closeCode: UInt16? {
            guard opcode == 8, payload.count >= 2 else { return nil }
            return UInt16(payload[0]) << 8 | UInt16(payload[1])
        }
    }

    let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects and upgrades; throws unless the answer is 101.
    static func connect(port: Int, path: String = "/ws", headers: [(String, String)] = [], receiveBuffer: Int? = nil) async throws
        -> TestWebSocket
    {
        let (socket, inbox) = try await connectRaw(port: port, receiveBuffer: receiveBuffer)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await socket.writeAndFlush(ByteBuffer(string: request))
        let head = try await inbox.httpHead(timeout: .seconds(10))
        guard head.hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused: \(head)") }
        guard head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") else { throw TestFailure("wrong Sec-WebSocket-Accept: \(head)") }
        return TestWebSocket(channel: socket, inbox: inbox)
    }

    static func connectRaw(port: Int, receiveBuffer: Int? = nil) async throws -> (any Channel, Inbox) {
        let inbox = Inbox()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox)) }
            }
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer)) }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return (channel, inbox)
    }

    // MARK: Sending

    func send(_ text: String) async throws {
        try await sendFrame(opcode: 1, payload: Array(text.utf8))
    }

    func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) async throws {
        try await channel.writeAndFlush(Self.clientFrame(opcode: opcode, payload: payload, fin: fin, masked: masked, rsv: rsv))
    }

    /// A client frame's bytes (masked with a fixed key unless told otherwise; `rsv`: the three
    /// reserved bits), with the shortest length encoding.
    static func clientFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger((fin ? 0x80 : 0) | rsv << 4 | opcode)
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            buffer.writeInteger(maskBit | UInt8(payload.count))
        } else if payload.count <= 65535 {
            buffer.writeInteger(maskBit | 126)
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(maskBit | 127)
            buffer.writeInteger(UInt64(payload.count))
        }
        if masked {
            let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            buffer.writeBytes(key)
            buffer.writeBytes(payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
        } else {
            buffer.writeBytes(payload)
        }
        return buffer
    }

    /// Sends a JSON object.
    func send(json: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        try await send(String(decoding: data, as: UTF8.self))
    }

    /// Stops (or resumes) reading from the socket.
    func setReading(_ reading: Bool) async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: reading).get()
        if reading { channel.read() }
    }

    func close() async {
        try? await channel.close()
    }

    // MARK: Receiving

    /// The next frame of any kind.
    func nextFrame(timeout: Duration = .seconds(10)) async throws -> Frame {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = inbox.takeFrame() { return frame }
            if inbox.isClosed { throw TestFailure("connection closed") }
            guard ContinuousClock.now < deadline else { throw TestFailure("no frame within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The next protocol message (text frame as JSON), skipping pings and heartbeats.
    func next(timeout: Duration = .seconds(10), skipHeartbeats: Bool = true) async throws -> [String: Any] {
        while true {
            let frame = try await nextFrame(timeout: timeout)
            switch frame.opcode {
            case 1:
                guard let object = try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any] else {
                    throw TestFailure("not a JSON object: \(frame.text)")
                }
                if skipHeartbeats, object["type"] as? String == "heartbeat" { continue }
                return object
            case 8:
                throw TestFailure(
                    "closed with \(frame.closeCode.map(String.init) ?? "no code"): \(String(decoding: frame.payload.dropFirst(2), as: UTF8.self))"
                )
            case 9, 10:
                continue
            default:
                throw TestFailure("unexpected opcode \(frame.opcode)")
            }
        }
    }

    /// Reads until a close frame; returns its code.
    func closeCode(timeout: Duration = .seconds(10)) async throws -> UInt16? {
        while true {
            let frame = try await nextFrame(timeout: timeout)
            if frame.opcode == 8 { return frame.closeCode }
        }
    }

    /// Whether nothing but pings/heartbeats arrives for `duration`.
    func expectSilence(for duration: Duration) async throws -> [String: Any]? {
        do {
            return try await next(timeout: duration)
        } catch let failure as TestFailure where failure.description.hasPrefix("no frame") {
            return nil
        }
    }
}

/// Bytes received by a test connection.
final class Inbox: Sendable {
    private struct State {
        var buffer = ByteBuffer()
        var headDone = false
        var closed = false
    }

    private let state = Mutex(State())

    var isClosed: Bool { state.withLock { $0.closed && $0.buffer.readableBytes == 0 } }

    func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        state.withLock { _ = $0.buffer.writeBuffer(&bytes) }
    }

    func markClosed() { state.withLock { $0.closed = true } }

    /// Whether the peer closed the connection (data may remain).
    var peerClosed: Bool { state.withLock { $0.closed } }

    /// Waits for the HTTP response head (through the blank line).
    func httpHead(timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let head: String? = state.withLock { state in
                let view = Array(state.buffer.readableBytesView)
                guard let end = view.indices.first(where: { $0 + 3 < view.count && view[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) })
                else {
                    return nil
                }
                state.buffer.moveReaderIndex(forwardBy: end + 4)
                state.headDone = true
                return String(decoding: view[..<end], as: UTF8.self)
            }
            if let head { return head }
            if state.withLock({ $0.closed }) { throw TestFailure("closed before the HTTP response") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("no HTTP response")
    }

    /// Everything received so far, as text (for plain HTTP answers).
    func text() -> String {
        state.withLock { String(decoding: $0.buffer.readableBytesView, as: UTF8.self) }
    }

    func takeFrame() -> TestWebSocket.Frame? {
        state.withLock { state in
            var buffer = state.buffer
            guard let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self) else { return nil }
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let word = buffer.readInteger(as: UInt16.self) else { return nil }
                length = Int(word)
            } else if length == 127 {
                guard let word = buffer.readInteger(as: UInt64.self) else { return nil }
                length = Int(word)
            }
            guard second & 0x80 == 0, let payload = buffer.readBytes(length: length) else { return nil }
            state.buffer = buffer
            return TestWebSocket.Frame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload)
        }
    }
}

private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: Inbox

    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.append(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.markClosed()
        context.fireChannelInactive()
    }
}
