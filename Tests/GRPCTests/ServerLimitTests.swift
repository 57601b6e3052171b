import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPCHealth
import HTTP2Transport
import NIOCore
import Testing

@testable import GRPC

/// Each limit of the gRPC server against a client that breaks it, over a loopback socket with
/// hand-made frames. Every test here fails when its limit is taken out.
@Suite struct ServerLimitTests {
    typealias Frame = RawHTTP2Client.Frame
    static let healthCheck = "/grpc.health.v1.Health/Check"
    /// How long a test waits for the server to close a connection that broke a limit. It returns
    /// as soon as the server does; the margin is for a test run that loads both cores (a flood
    /// test once waited out 5 s there, and passed alone).
    static let closeWait: Duration = .seconds(30)

    static func healthRequest() throws -> [UInt8] {
        RawHTTP2Client.grpcMessage(try HealthCheckRequest().serializedBytes())
    }

    /// HEADERS (END_HEADERS) for a call, then its request message with END_STREAM.
    static func call(stream: UInt32, path: String, message: [UInt8], extra: [(String, String)] = []) -> [UInt8] {
        RawHTTP2Client.frame(
            type: Frame.headers, flags: 0x4, stream: stream, payload: RawHTTP2Client.requestHeaders(path: path, extra: extra))
            + RawHTTP2Client.frame(type: Frame.data, flags: 0x1, stream: stream, payload: message)
    }

    // MARK: Numbers from the wire

    @Test func aHugeTimeoutIsNoDeadlineAndDoesNotTrap() async throws {
        let fixture = try await LimitsFixture.start()
        let client = try fixture.client()
        #expect(await client.handshake())
        client.send(Self.call(stream: 1, path: Self.healthCheck, message: try Self.healthRequest(), extra: [("grpc-timeout", "99999999H")]))
        #expect(await client.streamEnd(1)?.grpcStatus == "0")
        // A client's own huge deadline saturates instead of overflowing.
        let grpc = GRPCClient(host: "127.0.0.1", port: fixture.port)
        let response = try await HealthClient(grpc).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(Int64.max / 2)))
        #expect(response.status == .serving)
        grpc.close()
        await fixture.stop()
    }

    // MARK: Header list

    @Test func aHeaderBlockOverTheAdvertisedListSizeIsRefusedWithoutHoldingIt() async throws {
        let fixture = try await LimitsFixture.start()
        let client = try fixture.client()
        #expect(await client.handshake())
        let before = residentMegabytes()
        // A 4 KB field enters the dynamic table, then one-byte references to it fill a HEADERS
        // frame and 8 CONTINUATIONs (nghttp2's limit): about 147,000 references, 600 MB if kept.
        client.send(Self.headerBlockOfReferences(stream: 1))
        let refused = await client.streamEnd(1)
        #expect(refused?.grpcStatus == "8", "RESOURCE_EXHAUSTED")
        #expect(refused?.grpcMessage?.contains("request headers exceed 16384 bytes") == true)
        #expect(residentMegabytes() - before < 64, "the server did not keep the block")
        // The decoder stayed in sync: a request that uses the dynamic-table entry works.
        client.send(try Self.healthCheckReferencingTheBigField(stream: 3))
        #expect(await client.streamEnd(3)?.grpcStatus == "0")
        #expect(fixture.observer.limits == [.headerListSize])
        await fixture.stop()
    }

    /// A 4 KB field entering the dynamic table, then one-byte references to it filling a
    /// HEADERS frame and 8 CONTINUATIONs (nghttp2's limit) on `stream`.
    static func headerBlockOfReferences(stream: UInt32) -> [UInt8] {
        let big = RawHTTP2Client.indexedLiteral(name: "x-big", value: String(repeating: "b", count: 4000))
        var block = RawHTTP2Client.requestHeaders(path: healthCheck) + big
        block += [UInt8](repeating: 0xBE, count: 16_384 - block.count)
        var bytes = RawHTTP2Client.frame(type: Frame.headers, flags: 0x1, stream: stream, payload: block)
        for index in 0..<8 {
            bytes += RawHTTP2Client.frame(
                type: Frame.continuation, flags: index == 7 ? 0x4 : 0, stream: stream, payload: [UInt8](repeating: 0xBE, count: 16_384))
        }
        return bytes
    }

    /// A health check whose header block refers to the field ``headerBlockOfReferences(stream:)``
    /// put in the dynamic table: answered only when the decoder read that whole block.
    static func healthCheckReferencingTheBigField(stream: UInt32) throws -> [UInt8] {
        let block = RawHTTP2Client.requestHeaders(path: healthCheck) + [0xBE]
        return RawHTTP2Client.frame(type: Frame.headers, flags: 0x4, stream: stream, payload: block)
            + RawHTTP2Client.frame(type: Frame.data, flags: 0x1, stream: stream, payload: try healthRequest())
    }

    // MARK: Streams

    @Test func streamsBeyondTheDefaultOfAHundredAreRefused() async throws {
        let fixture = try await LimitsFixture.start()
        let client = try fixture.client()
        #expect(await client.handshake())
        var bytes: [UInt8] = []
        for index in 0..<101 {
            // Client-streaming calls stay open until the client ends them.
            bytes += RawHTTP2Client.frame(
                type: Frame.headers, flags: 0x4, stream: UInt32(2 * index + 1),
                payload: RawHTTP2Client.requestHeaders(path: EchoServiceMethods.collect.path)
            )
        }
        client.send(bytes)
        // Once the client has acknowledged our SETTINGS, nghttp2 treats the 101st stream as a
        // connection error (before, it refuses the stream alone with REFUSED_STREAM).
        let (closed, frames) = await client.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed)
        let goAway = try #require(frames.first { $0.type == Frame.goAway })
        #expect(goAway.errorCode == 1, "PROTOCOL_ERROR")
        #expect(RawHTTP2Client.uint32(goAway.payload, at: 0) == 199, "the first 100 streams were accepted")
        await fixture.stop()
    }

    // MARK: Request bytes

    @Test func aStreamHoldingMoreThanItsBudgetEndsWithResourceExhausted() async throws {
        let fixture = try await LimitsFixture.start { configuration in
            configuration.maximumReceiveMessageSize = 64 << 10
            configuration.limits.maxStreamRequestBytes = 64 << 10
        }
        let client = try fixture.client()
        #expect(await client.handshake())
        // The handler never reads: the first message waits, the second takes the stream over.
        let message = RawHTTP2Client.grpcMessage([UInt8](repeating: 7, count: 60 << 10))
        client.send(RawHTTP2Client.openCall(stream: 1, path: HoldService.hold.path, body: message + message))
        let end = await client.streamEnd(1)
        #expect(end?.grpcStatus == "8")
        #expect(end?.grpcMessage?.contains("holds more than 65536 unread bytes") == true)
        #expect(fixture.observer.limits == [.streamRequestBytes])
        #expect(await fixture.server.heldRequestBytes() == 0, "the stream's bytes were dropped")
        await fixture.stop()
    }

    @Test func aConnectionHoldsNoMoreThanItsBudgetOfUnfinishedMessages() async throws {
        let budget = 1 << 20
        let fixture = try await LimitsFixture.start { configuration in
            configuration.maximumReceiveMessageSize = 512 << 10
            configuration.limits.maxConnectionRequestBytes = budget
        }
        let client = try fixture.client()
        #expect(await client.handshake())
        // Six unary calls each announce a 400 KB message (a 512 KiB buffer) and send 300 KB.
        let announced = [0] + RawHTTP2Client.bytes(of: 400_000) + [UInt8](repeating: 1, count: 300_000)
        for stream in stride(from: UInt32(1), through: 11, by: 2) {
            client.send(RawHTTP2Client.openCall(stream: stream, path: EchoServiceMethods.get.path, body: announced))
        }
        let ended = await client.streamsEnded(count: 4)
        #expect(ended.allSatisfy { $0.grpcStatus == "8" })
        #expect(ended.map(\.stream).sorted() == [5, 7, 9, 11], "two 512 KiB messages fill the budget; the others are refused")
        let held = await fixture.server.heldRequestBytes()
        #expect(held > 0 && held <= budget)
        #expect(fixture.observer.limits == Array(repeating: .connectionRequestBytes, count: 4))
        await fixture.stop()
    }

    // MARK: Deadlines

    @Test func aConnectionThatSendsNoPrefaceIsClosedAfterTheDeadline() async throws {
        let fixture = try await LimitsFixture.start { $0.http2.prefaceTimeout = .milliseconds(300) }
        let silent = try fixture.client()
        let partial = try fixture.client()
        partial.send(Array(RawHTTP2Client.preface.prefix(10)))
        let prompt = try fixture.client()
        #expect(await prompt.handshake())
        let started = ContinuousClock.now
        #expect(await silent.framesUntilClosed(timeout: Self.closeWait).closed)
        #expect(await partial.framesUntilClosed(timeout: Self.closeWait).closed)
        #expect(ContinuousClock.now - started < .seconds(4))
        // One that spoke in time stays.
        #expect(!(await prompt.framesUntilClosed(timeout: .milliseconds(500)).closed))
        #expect(fixture.observer.limits == [.prefaceTimeout, .prefaceTimeout])
        await fixture.stop()
    }

    @Test func aConnectionWithoutStreamsIsClosedWithGoAwayAfterTheIdleTimeout() async throws {
        let fixture = try await LimitsFixture.start { $0.http2.idleTimeout = .milliseconds(500) }
        let idle = try fixture.client()
        #expect(await idle.handshake())
        // The busy connection's stream goes out with its preface, before the server's SETTINGS:
        // on a loaded machine a stream sent after the handshake may arrive after the first idle check.
        let busy = try fixture.client()
        busy.sendPreface()
        busy.send(
            RawHTTP2Client.frame(
                type: Frame.headers, flags: 0x4, stream: 1, payload: RawHTTP2Client.requestHeaders(path: EchoServiceMethods.collect.path)))
        #expect(await busy.nextFrame(where: { $0.type == Frame.settings && $0.flags & 1 == 0 }) != nil)
        busy.send(RawHTTP2Client.frame(type: Frame.settings, flags: 1, stream: 0, payload: []))
        let (closed, frames) = await idle.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed)
        #expect(frames.contains { $0.type == Frame.goAway && $0.errorCode == 0 })
        let busyClosed = await busy.framesUntilClosed(timeout: .milliseconds(500)).closed
        #expect(!busyClosed, "a connection with a stream is not idle")
        #expect(fixture.observer.limits == [.idleTimeout])
        await fixture.stop()
    }

    @Test func anUnansweredKeepalivePingClosesTheConnection() async throws {
        let fixture = try await LimitsFixture.start {
            $0.limits.keepalive = HTTP2Connection.Keepalive(interval: .milliseconds(200), timeout: .milliseconds(200))
        }
        let client = try fixture.client()
        #expect(await client.handshake())
        let (closed, frames) = await client.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed)
        #expect(frames.contains { $0.type == Frame.ping && $0.flags & 1 == 0 })
        #expect(fixture.observer.limits == [.keepaliveTimeout])
        await fixture.stop()
    }

    // MARK: Control frames and the write queue

    @Test(arguments: [Frame.ping, Frame.settings])
    func aControlFrameFloodEndsWithEnhanceYourCalm(type: UInt8) async throws {
        let fixture = try await LimitsFixture.start { $0.http2.maxQueuedControlFrames = 50 }
        let client = try fixture.client()
        #expect(await client.handshake())
        let payload: [UInt8] = type == Frame.ping ? [1, 2, 3, 4, 5, 6, 7, 8] : []
        // 400 in one write: nghttp2 queues an acknowledgement for each before anything is sent.
        client.send(
            Array([[UInt8]](repeating: RawHTTP2Client.frame(type: type, flags: 0, stream: 0, payload: payload), count: 400).joined()))
        let (closed, frames) = await client.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed)
        #expect(frames.contains { $0.type == Frame.goAway && $0.errorCode == 0xB }, "ENHANCE_YOUR_CALM")
        #expect(fixture.observer.limits == [.controlFrameFlood])
        await fixture.stop()
    }

    @Test func responsesQueuedForAClientThatDoesNotReadEndTheConnection() async throws {
        let fixture = try await LimitsFixture.start { $0.http2.maxQueuedOutboundBytes = 1 << 20 }
        let client = try fixture.client()
        // A window of 0: the server may send no DATA at all, so every response stays queued.
        #expect(await client.handshake(settings: [(id: 4, value: 0)]))
        let request = RawHTTP2Client.grpcMessage(try EchoRequest(text: "big", responseSize: 400_000).serializedBytes())
        var bytes: [UInt8] = []
        for stream in stride(from: UInt32(1), through: 7, by: 2) {
            bytes += Self.call(stream: stream, path: EchoServiceMethods.get.path, message: request)
        }
        client.send(bytes)
        let (closed, frames) = await client.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed)
        #expect(frames.contains { $0.type == Frame.goAway && $0.errorCode == 0xB })
        #expect(fixture.observer.limits == [.writeQueue])
        await fixture.stop()
    }

    // MARK: Connection caps

    @Test func connectionsBeyondThePerAddressCapAreRefused() async throws {
        let fixture = try await LimitsFixture.start { $0.limits.maxConnectionsPerAddress = 2 }
        let first = try fixture.client()
        let second = try fixture.client()
        #expect(await first.handshake())
        #expect(await second.handshake())
        let third = try fixture.client()
        let (closed, frames) = await third.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed)
        #expect(frames.contains { $0.type == Frame.goAway && $0.errorCode == 0xB })
        // A slot frees when a connection closes.
        first.send(RawHTTP2Client.frame(type: Frame.goAway, flags: 0, stream: 0, payload: [0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(await first.framesUntilClosed(timeout: Self.closeWait).closed)
        #expect(await eventually(timeout: Self.closeWait) { fixture.server.connectionCount == 1 })
        let fourth = try fixture.client()
        #expect(await fourth.handshake())
        #expect(!(await fourth.framesUntilClosed(timeout: .milliseconds(500)).closed))
        #expect(fixture.observer.limits == [.maxConnectionsPerAddress])
        await fixture.stop()
    }

    @Test func connectionsBeyondTheProcessCapAreRefused() async throws {
        let fixture = try await LimitsFixture.start { $0.limits.maxConnections = 1 }
        let first = try fixture.client()
        #expect(await first.handshake())
        let second = try fixture.client()
        let (closed, frames) = await second.framesUntilClosed(timeout: Self.closeWait)
        #expect(closed && frames.contains { $0.type == Frame.goAway && $0.errorCode == 0xB })
        #expect(fixture.observer.limits == [.maxConnections])
        await fixture.stop()
    }

    // MARK: Metrics labels and error texts

    @Test func callsToUnknownMethodsAreReportedWithoutTheirPath() async throws {
        let fixture = try await LimitsFixture.start()
        let grpc = GRPCClient(host: "127.0.0.1", port: fixture.port)
        for index in 0..<20 {
            await #expect(throws: RPCError.self) {
                let _: RawBytes = try await grpc.unary(
                    MethodDescriptor(service: "random\(index)", method: "m\(index)"), request: RawBytes([]))
            }
        }
        #expect(fixture.observer.rejectedMethods.count == 20)
        #expect(fixture.observer.rejectedMethods.allSatisfy { $0 == nil })
        grpc.close()
        await fixture.stop()
    }

    @Test func anInternalErrorReachesTheClientAsARequestIDAndTheLogKeepsIt() async throws {
        let fixture = try await LimitsFixture.start()
        let grpc = GRPCClient(host: "127.0.0.1", port: fixture.port)
        do {
            let _: RawBytes = try await grpc.unary(HoldService.fail, request: RawBytes([]))
            Issue.record("the call must fail")
        } catch let error as RPCError {
            #expect(error.code == .unknown)
            #expect(!error.message.contains(HoldService.secret))
            let requestID = try #require(error.metadata.firstString(forKey: "courtside-request-id"))
            #expect(error.message == "internal error (request id \(requestID))")
            #expect(fixture.logs.all.contains { $0.contains(HoldService.secret) && $0.contains("request_id=\(requestID)") })
        }
        // A request that does not decode: INVALID_ARGUMENT without the decoder's reason.
        do {
            let _: EchoResponse = try await grpc.unary(EchoServiceMethods.get, request: RawBytes([0x0A, 0x7F, 0x01]))
            Issue.record("the call must fail")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
            let requestID = try #require(error.metadata.firstString(forKey: "courtside-request-id"))
            #expect(error.message == "could not decode the request as EchoRequest (request id \(requestID))")
            #expect(fixture.logs.all.contains { $0.contains("runs past the end") && $0.contains("request_id=\(requestID)") })
        }
        grpc.close()
        await fixture.stop()
    }
}
