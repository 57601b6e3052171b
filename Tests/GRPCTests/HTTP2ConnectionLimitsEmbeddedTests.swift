import HTTP2Transport
import NIOCore
import NIOEmbedded
import Testing

/// The limits `HTTP2Connection` enforces on a hostile peer, on an `EmbeddedChannel`: the
/// in-memory twins of what `ServerLimitTests` proves over a loopback socket (streams, control
/// frames, the write queue, the preface, idle and keepalive deadlines, refusal), with the loop's
/// clock instead of waiting, and flow control seen from the handler.
@Suite struct HTTP2ConnectionLimitsEmbeddedTests {
    typealias Harness = HTTP2ConnectionEmbeddedTests.Harness
    typealias Frame = RawHTTP2Client.Frame

    /// HEADERS (END_HEADERS, no END_STREAM) opening a request stream the client keeps open.
    static func openStream(_ stream: UInt32) -> [UInt8] {
        RawHTTP2Client.frame(type: Frame.headers, flags: 0x4, stream: stream, payload: RawHTTP2Client.requestHeaders(path: "/test.v1.T/M"))
    }

    @Test func aStreamBeyondTheAdvertisedMaximumIsAConnectionError() throws {
        let harness = try Harness()
        try harness.handshake()
        // Once the client has acknowledged our SETTINGS (maximum 100 streams), the 101st stream
        // is a connection error, not a refused stream.
        try harness.send((0..<101).flatMap { Self.openStream(UInt32(2 * $0 + 1)) })
        #expect(harness.delegate.headers.count == 100)
        let goAway = try #require(try harness.written().first { $0.type == Frame.goAway })
        #expect(goAway.errorCode == HTTP2ErrorCode.protocolError.rawValue)
        #expect(RawHTTP2Client.uint32(goAway.payload, at: 0) == 199, "the first 100 streams were accepted")
        #expect(!harness.channel.isActive)
    }

    @Test(arguments: [Frame.ping, Frame.settings])
    func aControlFrameFloodEndsWithEnhanceYourCalm(type: UInt8) throws {
        var settings = HTTP2Settings()
        settings.maxQueuedControlFrames = 50
        let harness = try Harness(settings: settings)
        try harness.handshake()
        let payload: [UInt8] = type == Frame.ping ? [1, 2, 3, 4, 5, 6, 7, 8] : []
        // Fewer than the budget are acknowledged as usual.
        try harness.send(
            Array([[UInt8]](repeating: RawHTTP2Client.frame(type: type, flags: 0, stream: 0, payload: payload), count: 40).joined()))
        #expect(try harness.written().filter { $0.type == type && $0.flags & 1 == 1 }.count == 40)
        #expect(harness.channel.isActive)
        // 400 in one read: nghttp2 queues an acknowledgement for each before anything is sent.
        try harness.send(
            Array([[UInt8]](repeating: RawHTTP2Client.frame(type: type, flags: 0, stream: 0, payload: payload), count: 400).joined()))
        #expect(try harness.written().contains { $0.type == Frame.goAway && $0.errorCode == HTTP2ErrorCode.enhanceYourCalm.rawValue })
        #expect(!harness.channel.isActive)
        #expect(harness.delegate.enforcedLimits == [.controlFrameFlood])
    }

    @Test func responsesQueuedForAPeerThatOpensNoWindowEndTheConnection() throws {
        var settings = HTTP2Settings()
        settings.maxQueuedOutboundBytes = 1 << 20
        let harness = try Harness(settings: settings)
        harness.delegate.respond = { connection, streamID in
            connection.submitResponse(
                streamID: streamID, headers: [(":status", "200"), ("content-type", "application/grpc")], hasBody: true)
            connection.enqueue(streamID: streamID, ByteBuffer(repeating: 7, count: 400_000))
        }
        // A window of 0: no DATA may be sent, so every response stays queued.
        try harness.handshake(settings: [(id: 4, value: 0)])
        try harness.request(stream: 1, body: nil)
        try harness.request(stream: 3, body: nil)
        let frames = try harness.written()
        #expect(!frames.contains { $0.type == Frame.data })
        #expect(harness.channel.isActive, "800 KB queued: within the budget")
        try harness.request(stream: 5, body: nil)
        #expect(try harness.written().contains { $0.type == Frame.goAway && $0.errorCode == HTTP2ErrorCode.enhanceYourCalm.rawValue })
        #expect(!harness.channel.isActive)
        #expect(harness.delegate.enforcedLimits == [.queuedOutboundBytes])
    }

    @Test func dataWaitsForTheWindowAndTheWriterHearsWhenTheStreamDrains() throws {
        var settings = HTTP2Settings()
        settings.outboundBufferHighWaterMark = 4000
        settings.outboundBufferLowWaterMark = 1000
        let harness = try Harness(settings: settings)
        harness.delegate.respond = { connection, streamID in
            connection.submitResponse(
                streamID: streamID, headers: [(":status", "200"), ("content-type", "application/grpc")], hasBody: true)
            connection.enqueue(streamID: streamID, ByteBuffer(repeating: 7, count: 5000))
            connection.notifyWhenDrained(streamID: streamID)
        }
        try harness.handshake(settings: [(id: 4, value: 1000)])
        try harness.request(stream: 1, body: nil)
        let first = try harness.written().filter { $0.stream == 1 && $0.type == Frame.data }
        #expect(first.map(\.payload.count).reduce(0, +) == 1000, "no more than the peer's window")
        #expect(harness.connection.pendingOutboundBytes(streamID: 1) == 4000)
        #expect(harness.delegate.drainedStreams.isEmpty)
        // The peer opens the stream's window: the rest goes out and the writer is told.
        try harness.send(RawHTTP2Client.frame(type: Frame.windowUpdate, flags: 0, stream: 1, payload: RawHTTP2Client.bytes(of: 4000)))
        let rest = try harness.written().filter { $0.stream == 1 && $0.type == Frame.data }
        #expect(rest.map(\.payload.count).reduce(0, +) == 4000)
        #expect(harness.connection.pendingOutboundBytes(streamID: 1) == 0)
        #expect(harness.delegate.drainedStreams == [1])
    }

    @Test func aPartialPrefaceTimesOutAndAPromptOneStays() throws {
        var settings = HTTP2Settings()
        settings.prefaceTimeout = .seconds(5)
        let partial = try Harness(settings: settings)
        try partial.send(Array(RawHTTP2Client.preface.prefix(10)))
        partial.loop.advanceTime(by: .seconds(5))
        #expect(!partial.channel.isActive)
        #expect(partial.delegate.enforcedLimits == [.prefaceTimeout])

        let prompt = try Harness(settings: settings)
        try prompt.sendPreface()
        prompt.loop.advanceTime(by: .seconds(60))
        #expect(prompt.channel.isActive)
        #expect(prompt.delegate.enforcedLimits.isEmpty)
    }

    @Test func aConnectionWithoutStreamsIsClosedWithGoAwayAfterTheIdleTimeout() throws {
        var settings = HTTP2Settings()
        settings.idleTimeout = .seconds(10)
        let idle = try Harness(settings: settings)
        try idle.handshake()
        idle.loop.advanceTime(by: .seconds(9))
        #expect(idle.delegate.enforcedLimits.isEmpty)
        idle.loop.advanceTime(by: .seconds(1))
        #expect(idle.delegate.enforcedLimits == [.idleTimeout])
        // Gracefully: a notice, then (a round trip or a second later) the final GOAWAY, and with
        // no stream open the connection closes.
        idle.loop.advanceTime(by: .seconds(1))
        let frames = try idle.written()
        #expect(frames.filter { $0.type == Frame.goAway }.allSatisfy { $0.errorCode == HTTP2ErrorCode.noError.rawValue })
        #expect(frames.contains { $0.type == Frame.goAway && RawHTTP2Client.uint32($0.payload, at: 0) == 0 })
        #expect(!idle.channel.isActive)

        // A connection with a stream open is not idle, however long the stream takes.
        let busy = try Harness(settings: settings)
        try busy.handshake()
        try busy.request(stream: 1, body: nil)
        busy.loop.advanceTime(by: .seconds(60))
        #expect(busy.channel.isActive)
        #expect(!(try busy.written()).contains { $0.type == Frame.goAway })
        #expect(busy.delegate.enforcedLimits.isEmpty)
    }

    @Test func anUnansweredKeepalivePingClosesTheConnectionAndAnAnsweredOneDoesNot() throws {
        let harness = try Harness(keepalive: HTTP2Connection.Keepalive(interval: .seconds(10), timeout: .seconds(5)))
        try harness.handshake()
        harness.loop.advanceTime(by: .seconds(10))
        let ping = try #require(try harness.written().first { $0.type == Frame.ping && $0.flags & 1 == 0 })
        try harness.send(RawHTTP2Client.frame(type: Frame.ping, flags: 1, stream: 0, payload: ping.payload))
        harness.loop.advanceTime(by: .seconds(5))
        #expect(harness.channel.isActive, "the PING was answered")
        // The next PING, 10 s after the answer, goes unanswered.
        harness.loop.advanceTime(by: .seconds(5))
        #expect(try harness.written().contains { $0.type == Frame.ping && $0.flags & 1 == 0 })
        harness.loop.advanceTime(by: .seconds(4))
        #expect(harness.channel.isActive)
        harness.loop.advanceTime(by: .seconds(1))
        #expect(!harness.channel.isActive)
        #expect(harness.delegate.enforcedLimits == [.keepaliveTimeout])
    }

    @Test func aRefusedConnectionGetsGoAwayEnhanceYourCalmAndCloses() throws {
        // What the server does past its connection caps (which connection it refuses is the
        // server's, proved over sockets; `ConnectionAdmissionTests` counts).
        let harness = try Harness(before: { $0.refuse(.tooManyConnections) })
        #expect(try harness.written().contains { $0.type == Frame.goAway && $0.errorCode == HTTP2ErrorCode.enhanceYourCalm.rawValue })
        #expect(!harness.channel.isActive)
        #expect(harness.delegate.enforcedLimits == [.tooManyConnections])
        #expect(harness.delegate.headers.isEmpty)
    }
}
