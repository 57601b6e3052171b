import HTTP2Transport
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// `HTTP2Connection` (the handler that drives nghttp2) on an `EmbeddedChannel`: bytes in, bytes
/// out, no socket and no clock (scheduled timeouts run only when a test advances time).
@Suite struct HTTP2ConnectionEmbeddedTests {
    typealias Frame = RawHTTP2Client.Frame

    /// What the connection reported to its delegate; answers each request as `respond` says.
    final class RecordingDelegate: HTTP2ConnectionDelegate {
        var headers: [(streamID: Int32, fields: HTTP2HeaderList, endStream: Bool, overLimit: Bool)] = []
        var data: [(streamID: Int32, bytes: [UInt8])] = []
        var endedStreams: [Int32] = []
        var closedStreams: [(streamID: Int32, errorCode: HTTP2ErrorCode)] = []
        var goAways: [(lastStreamID: Int32, errorCode: HTTP2ErrorCode)] = []
        var enforcedLimits: [HTTP2Limit] = []
        var drainedStreams: [Int32] = []
        var closed = false
        /// Called for every request's HEADERS, to answer it.
        var respond: (HTTP2Connection, Int32) -> Void = { _, _ in }

        func connection(_ connection: HTTP2Connection, didReceiveHeaders headers: HTTP2ReceivedHeaders, streamID: Int32, endStream: Bool) {
            let overLimit = headers.exceedsSizeLimit
            self.headers.append((streamID, overLimit ? [] : headers.list, endStream, overLimit))
            respond(connection, streamID)
        }

        func connection(_ connection: HTTP2Connection, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
            data.append((streamID, Array(bytes)))
            connection.consume(streamID: streamID, count: bytes.count)
        }

        func connection(_ connection: HTTP2Connection, didReceiveEndStream streamID: Int32) { endedStreams.append(streamID) }
        func connection(_ connection: HTTP2Connection, didCloseStream streamID: Int32, errorCode: HTTP2ErrorCode) {
            closedStreams.append((streamID, errorCode))
        }
        func connection(_ connection: HTTP2Connection, didDrainStream streamID: Int32) { drainedStreams.append(streamID) }
        func connectionDidProcessInput(_ connection: HTTP2Connection) {}
        func connection(_ connection: HTTP2Connection, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
            goAways.append((lastStreamID, errorCode))
        }
        func connection(_ connection: HTTP2Connection, didEnforce limit: HTTP2Limit) { enforcedLimits.append(limit) }
        func connectionDidClose(_ connection: HTTP2Connection) { closed = true }
    }

    /// A server connection on an embedded channel, and what it wrote.
    final class Harness {
        let loop = EmbeddedEventLoop()
        let connection: HTTP2Connection
        let channel: EmbeddedChannel
        let delegate = RecordingDelegate()
        let parser = HTTP2FrameParser()

        /// `before` runs after the connection is made and before the channel is active.
        init(
            settings: HTTP2Settings = HTTP2Settings(), keepalive: HTTP2Connection.Keepalive? = nil,
            before: (HTTP2Connection) -> Void = { _ in }
        ) throws {
            connection = HTTP2Connection(
                role: .server, eventLoop: loop, settings: settings, keepalive: keepalive, logger: Logger(label: "embedded"))
            connection.delegate = delegate
            before(connection)
            channel = EmbeddedChannel(handler: connection, loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        }

        func send(_ bytes: [UInt8]) throws {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try channel.writeInbound(buffer)
            loop.run()
        }

        /// The client preface and a SETTINGS frame with these entries.
        func sendPreface(settings: [(id: UInt16, value: UInt32)] = []) throws {
            let payload = settings.flatMap { [UInt8($0.id >> 8), UInt8($0.id & 0xFF)] + RawHTTP2Client.bytes(of: $0.value) }
            try send(RawHTTP2Client.preface + RawHTTP2Client.frame(type: Frame.settings, flags: 0, stream: 0, payload: payload))
        }

        /// Preface and SETTINGS, then the acknowledgement of the server's SETTINGS; what the
        /// server wrote so far is read and dropped.
        func handshake(settings: [(id: UInt16, value: UInt32)] = []) throws {
            try sendPreface(settings: settings)
            try send(RawHTTP2Client.frame(type: Frame.settings, flags: 1, stream: 0, payload: []))
            _ = try written()
        }

        /// Every frame written since the last call.
        func written() throws -> [Frame] {
            loop.run()
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
                parser.append(buffer.readableBytesView)
            }
            var frames: [Frame] = []
            while let frame = parser.next() { frames.append(frame) }
            return frames
        }

        func request(stream: UInt32, path: String = "/test.v1.T/M", extra: [(String, String)] = [], body: [UInt8]?) throws {
            let headerFlags: UInt8 = body == nil ? 0x5 : 0x4  // END_HEADERS (+ END_STREAM)
            var bytes = RawHTTP2Client.frame(
                type: Frame.headers, flags: headerFlags, stream: stream, payload: RawHTTP2Client.requestHeaders(path: path, extra: extra))
            if let body {
                bytes += RawHTTP2Client.frame(type: Frame.data, flags: 0x1, stream: stream, payload: body)
            }
            try send(bytes)
        }
    }

    @Test func theServerSendsItsSettingsOnActivation() throws {
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = 7
        let harness = try Harness(settings: settings)
        let frames = try harness.written()
        let first = try #require(frames.first)
        #expect(first.type == Frame.settings && first.flags & 1 == 0 && first.stream == 0)
        // SETTINGS_MAX_CONCURRENT_STREAMS (0x3) = 7 among the entries.
        let entries = stride(from: 0, to: first.payload.count, by: 6).map {
            (UInt16(first.payload[$0]) << 8 | UInt16(first.payload[$0 + 1]), RawHTTP2Client.uint32(first.payload, at: $0 + 2))
        }
        #expect(entries.contains { $0.0 == 3 && $0.1 == 7 })
    }

    @Test func thePeersSettingsAreAcknowledged() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.sendPreface()
        let frames = try harness.written()
        #expect(frames.contains { $0.type == Frame.settings && $0.flags & 1 == 1 })
        #expect(harness.connection.isAcceptingStreams)
        #expect(harness.channel.isActive)
    }

    @Test func aRequestStreamReachesTheDelegateAndItsAnswerGoesOut() throws {
        let harness = try Harness()
        harness.delegate.respond = { connection, streamID in
            connection.submitResponse(
                streamID: streamID, headers: [(":status", "200"), ("content-type", "application/grpc")], hasBody: true)
            var body = ByteBuffer()
            body.writeBytes(RawHTTP2Client.grpcMessage([9, 9]))
            connection.enqueue(streamID: streamID, body)
            connection.finish(streamID: streamID, trailers: [("grpc-status", "0")] as HTTP2HeaderList)
        }
        try harness.sendPreface()
        _ = try harness.written()
        try harness.request(stream: 1, body: RawHTTP2Client.grpcMessage([1, 2, 3]))

        let received = try #require(harness.delegate.headers.first)
        #expect(received.streamID == 1 && !received.endStream)
        #expect(received.fields.contains { $0.name == ":path" && $0.value == "/test.v1.T/M" })
        #expect(harness.delegate.data.flatMap(\.bytes) == RawHTTP2Client.grpcMessage([1, 2, 3]))
        #expect(harness.delegate.endedStreams == [1])

        let frames = try harness.written().filter { $0.stream == 1 }
        #expect(frames.map(\.type) == [Frame.headers, Frame.data, Frame.headers])
        #expect(frames[0].headers.contains { $0 == (":status", "200") })
        #expect(frames[1].payload == RawHTTP2Client.grpcMessage([9, 9]))
        #expect(frames[2].flags & 1 == 1 && frames[2].headers.contains { $0 == ("grpc-status", "0") })
        #expect(harness.delegate.closedStreams.map(\.streamID) == [1])
    }

    @Test func aBadPrefaceClosesTheChannel() throws {
        let harness = try Harness()
        _ = try harness.written()
        try harness.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        // Nothing is served: at most a GOAWAY goes out (nghttp2 sends none for bad magic).
        let frames = try harness.written()
        #expect(frames.allSatisfy { $0.type == Frame.goAway })
        #expect(!harness.channel.isActive)
        #expect(harness.delegate.closed)
        #expect(harness.delegate.headers.isEmpty)
    }

    @Test func aHeaderListOverBudgetIsFlaggedToTheDelegate() throws {
        var settings = HTTP2Settings()
        settings.maxHeaderListSize = 1024
        let harness = try Harness(settings: settings)
        try harness.sendPreface()
        try harness.request(stream: 1, extra: [("x-big", String(repeating: "b", count: 4000))], body: nil)
        let received = try #require(harness.delegate.headers.first)
        #expect(received.overLimit)
        // A header list within budget on the same connection is read whole.
        try harness.request(stream: 3, extra: [("x-small", "s")], body: nil)
        #expect(harness.delegate.headers.last?.overLimit == false)
        #expect(harness.delegate.headers.last?.fields.contains { $0 == ("x-small", "s") } == true)
    }

    @Test func gracefulShutdownAnnouncesThenSendsTheFinalGoAway() throws {
        let harness = try Harness()
        harness.delegate.respond = { connection, streamID in
            connection.submitResponse(streamID: streamID, headers: [(":status", "200"), ("grpc-status", "0")], hasBody: false)
        }
        try harness.sendPreface()
        _ = try harness.written()
        harness.connection.beginGracefulShutdown(grace: nil)
        let notice = try harness.written()
        let first = try #require(notice.first { $0.type == Frame.goAway })
        #expect(RawHTTP2Client.uint32(first.payload, at: 0) == 0x7FFF_FFFF)
        let ping = try #require(notice.first { $0.type == Frame.ping })
        #expect(!harness.connection.isAcceptingStreams)
        // A stream the client opened before it saw the notice is still served.
        try harness.request(stream: 1, body: nil)
        #expect(harness.delegate.headers.count == 1)
        // The PING's acknowledgement ends the round trip: the final GOAWAY names stream 1.
        try harness.send(RawHTTP2Client.frame(type: Frame.ping, flags: 1, stream: 0, payload: ping.payload))
        let final = try #require(try harness.written().first { $0.type == Frame.goAway })
        #expect(RawHTTP2Client.uint32(final.payload, at: 0) == 1)
        #expect(final.errorCode == HTTP2ErrorCode.noError.rawValue)
    }

    @Test func aGoAwayFromThePeerReachesTheDelegate() throws {
        let harness = try Harness()
        try harness.sendPreface()
        try harness.send(
            RawHTTP2Client.frame(
                type: Frame.goAway, flags: 0, stream: 0, payload: RawHTTP2Client.bytes(of: 0) + RawHTTP2Client.bytes(of: 0)))
        #expect(harness.delegate.goAways.count == 1)
        #expect(harness.delegate.goAways.first?.errorCode == .noError)
        #expect(!harness.connection.isAcceptingStreams)
    }

    @Test func aMissingPrefaceTimesOut() throws {
        var settings = HTTP2Settings()
        settings.prefaceTimeout = .seconds(5)
        let harness = try Harness(settings: settings)
        _ = try harness.written()
        harness.loop.advanceTime(by: .seconds(4))
        #expect(harness.channel.isActive)
        harness.loop.advanceTime(by: .seconds(2))
        #expect(harness.delegate.enforcedLimits == [.prefaceTimeout])
        #expect(!harness.channel.isActive)
    }

    @Test func headersThatCannotBeSentResetTheStream() throws {
        let harness = try Harness()
        harness.delegate.respond = { connection, streamID in
            // Past nghttp2's 64 KiB limit for one header block.
            connection.submitResponse(
                streamID: streamID, headers: [(":status", "200"), ("x-big", String(repeating: "0123456789", count: 20_000))], hasBody: true)
        }
        try harness.sendPreface()
        _ = try harness.written()
        try harness.request(stream: 1, body: RawHTTP2Client.grpcMessage([1]))
        let frames = try harness.written().filter { $0.stream == 1 }
        #expect(!frames.contains { $0.type == Frame.headers })
        let reset = try #require(frames.first { $0.type == Frame.rstStream })
        #expect(reset.errorCode == HTTP2ErrorCode.internalError.rawValue)
        #expect(harness.delegate.closedStreams.map(\.streamID) == [1])
    }
}
