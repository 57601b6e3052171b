import NIOCore
import NIOEmbedded
import NIOWebSocket
import ServiceKit
import Testing

@testable import Bridge

/// `PongSchedule` on its own.
@Suite struct PongScheduleTests {
    private let policy = PongSchedule.Policy(perSecond: 10, burst: 20)

    @Test func onlyTheMostRecentPingIsAnsweredWhileAPongIsOnItsWay() {
        var schedule = PongSchedule(policy: policy, nowNanos: 0)
        #expect(schedule.ping(ByteBuffer(string: "1"), isWritable: true, nowNanos: 0, policy: policy) == .send(ByteBuffer(string: "1")))
        for payload in ["2", "3", "4"] {
            #expect(schedule.ping(ByteBuffer(string: payload), isWritable: true, nowNanos: 0, policy: policy) == .owed)
        }
        #expect(schedule.pongWritten() == ByteBuffer(string: "4"))
        #expect(schedule.pongWritten() == nil)
        #expect(schedule.ping(ByteBuffer(string: "5"), isWritable: true, nowNanos: 0, policy: policy) == .send(ByteBuffer(string: "5")))
    }

    @Test func pingsPastTheBurstClose() {
        var schedule = PongSchedule(policy: policy, nowNanos: 0)
        for _ in 0..<20 { _ = schedule.ping(ByteBuffer(), isWritable: true, nowNanos: 0, policy: policy) }
        #expect(schedule.ping(ByteBuffer(), isWritable: true, nowNanos: 0, policy: policy) == .close(.pingRate))
        // At the sustained rate they never do.
        var steady = PongSchedule(policy: policy, nowNanos: 0)
        for index in 0..<200 {
            let now = UInt64(index) * 100_000_000
            #expect(steady.ping(ByteBuffer(), isWritable: true, nowNanos: now, policy: policy) != .close(.pingRate))
            _ = steady.pongWritten()
        }
    }

    @Test func aPingWhileTheSocketTakesNothingCloses() {
        var schedule = PongSchedule(policy: policy, nowNanos: 0)
        #expect(schedule.ping(ByteBuffer(), isWritable: false, nowNanos: 0, policy: policy) == .close(.pingUnread))
    }
}

/// The WebSocket handler's control frames on an `EmbeddedChannel` (echo mode: no hub needed).
@Suite struct WebSocketControlFrameTests {
    private let key = WebSocketMaskingKey([1, 2, 3, 4])!

    private func ping(_ payload: String) -> WebSocketFrame {
        var data = ByteBuffer(string: payload)
        data.webSocketMask(key)
        return WebSocketFrame(fin: true, opcode: .ping, maskKey: key, data: data)
    }

    /// A connection whose socket takes writes only when `HeldWrites.release` says so.
    private func connection(_ configure: (inout BridgeConfiguration) -> Void = { _ in }) throws -> (EmbeddedChannel, HeldWrites) {
        var configuration = BridgeConfiguration()
        configure(&configuration)
        let channel = EmbeddedChannel()
        let held = HeldWrites()
        let writer = RawFrameWriter()
        try channel.pipeline.syncOperations.addHandler(held)
        try channel.pipeline.syncOperations.addHandler(writer)
        try channel.pipeline.syncOperations.addHandler(
            WebSocketHandler(
                mode: .echo, writer: writer, configuration: configuration, metrics: BridgeMetrics(ServiceMetrics(service: "ws-test")),
                rejection: nil, onClosed: {}
            )
        )
        return (channel, held)
    }

    /// (opcode, payload) of each frame in `buffers`.
    private func frames(_ buffers: [ByteBuffer]) -> [(UInt8, [UInt8])] {
        buffers.map { buffer in
            var buffer = buffer
            let opcode = (buffer.readInteger(as: UInt8.self) ?? 0) & 0x0F
            let length = Int(buffer.readInteger(as: UInt8.self) ?? 0)
            return (opcode, buffer.readBytes(length: length) ?? [])
        }
    }

    @Test func aPingFloodThatDoesNotReadOwesOnePong() throws {
        let (channel, held) = try connection()
        for index in 0..<15 { try channel.writeInbound(ping("\(index)")) }
        // One pong on its way; the others collapse into the newest.
        #expect(frames(held.pending).map(\.0) == [WebSocketFrames.pong])
        #expect(frames(held.pending).map(\.1) == [Array("0".utf8)])
        held.release()
        #expect(frames(held.written).map(\.1) == [Array("0".utf8)])
        #expect(frames(held.pending).map(\.1) == [Array("14".utf8)])
        held.release()
        #expect(frames(held.written).map(\.1) == [Array("0".utf8), Array("14".utf8)])
        #expect(held.pending.isEmpty)
    }

    @Test func pingsPastTheRateCloseWith1008() throws {
        let (channel, held) = try connection { $0.maxPingsPerSecond = 2 }
        for index in 0..<5 {
            try channel.writeInbound(ping("\(index)"))
            held.release()
        }
        let sent = frames(held.written)
        #expect(sent.filter { $0.0 == WebSocketFrames.pong }.count == 4)
        let close = try #require(sent.last)
        #expect(close.0 == WebSocketFrames.close)
        #expect(close.1.prefix(2) == [0x03, 0xF0])  // 1008
    }

    @Test func aPingWhileNotWritableClosesWith1008() throws {
        let (channel, held) = try connection()
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try channel.writeInbound(ping("x"))
        held.release()
        let sent = frames(held.written)
        #expect(sent.map(\.0) == [WebSocketFrames.close])
        #expect(sent.first?.1.prefix(2) == [0x03, 0xF0])
    }
}

/// Holds every write (as a socket that takes nothing would) until `release()`.
final class HeldWrites: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var held: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var context: ChannelHandlerContext?
    private(set) var written: [ByteBuffer] = []

    var pending: [ByteBuffer] { held.map(\.0) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        held.append((unwrapOutboundIn(data), promise))
    }

    func flush(context: ChannelHandlerContext) {}

    /// Lets what is held through (writes it and completes its promises).
    func release() {
        let batch = held
        held = []
        for (buffer, promise) in batch {
            written.append(buffer)
            promise?.succeed()
        }
    }
}
