import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPC
import GRPCHealth
import Logging
import Testing

/// Calls to the echo service through `InProcessEndpoint`: no socket, the same HTTP/2 and gRPC
/// paths (the socket suites prove the wire itself).
@Suite struct InProcessTransportTests {
    struct Fixture {
        let service = EchoService()
        let client: GRPCClient
        var echo: EchoServiceClient { EchoServiceClient(client) }

        init(maximumMessageSize: Int = 4 << 20) {
            var router = RPCRouter()
            router.register(service)
            var configuration = GRPCServer.Configuration(port: 0)
            configuration.maximumReceiveMessageSize = maximumMessageSize
            client = GRPCClient(inProcess: InProcessEndpoint(router: router, configuration: configuration))
        }
    }

    @Test func unaryCallCarriesMessageAndMetadata() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        var metadata = Metadata()
        metadata.addString("hello", forKey: "echo-greeting")
        let (response, headers, trailers): (EchoResponse, Metadata, Metadata) = try await fixture.client.unaryWithMetadata(
            EchoServiceMethods.get, request: EchoRequest(text: "hi", responseSize: 2), options: CallOptions(metadata: metadata)
        )
        #expect(response.text == "hi")
        #expect(response.payload == [0x61, 0x61])
        #expect(headers.firstString(forKey: "echo-greeting") == "hello")
        #expect(trailers.firstString(forKey: "trailer-greeting") == "hello")
        #expect(fixture.client.target == "in-process")
    }

    @Test func serverStreamArrivesInOrder() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        let indices = try await fixture.echo.expand(EchoRequest(text: "s", count: 500, responseSize: 100)) { responses in
            var indices: [UInt32] = []
            for try await response in responses { indices.append(response.index) }
            return indices
        }
        #expect(indices == Array(0..<500))
    }

    @Test func clientStreamIsCollected() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        let collected = try await fixture.echo.collect { writer in
            for text in ["a", "b", "c"] { try await writer.write(EchoRequest(text: text)) }
        }
        #expect(collected.text == "a b c")
        #expect(collected.index == 3)
    }

    @Test func bidirectionalStreamingInterleaves() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        let texts = try await fixture.echo.update(
            requestProducer: { writer in
                for index in 0..<100 { try await writer.write(EchoRequest(text: "b\(index)")) }
            },
            onResponse: { responses in
                var texts: [String] = []
                for try await response in responses { texts.append(response.text) }
                return texts
            })
        #expect(texts == (0..<100).map { "b\($0)" })
    }

    @Test func anOversizedRequestIsResourceExhaustedAndTheConnectionLivesOn() async throws {
        let fixture = Fixture(maximumMessageSize: 1024)
        defer { fixture.client.close() }
        let error = await #expect(throws: RPCError.self) {
            _ = try await fixture.echo.get(EchoRequest(payload: [UInt8](repeating: 1, count: 64 << 10)))
        }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("exceeds the maximum of 1024 bytes") == true)
        #expect(try await fixture.echo.get(EchoRequest(text: "still fine")).text == "still fine")
    }

    @Test func aMalformedRequestIsInvalidArgumentAndNestingIsLimited() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        let malformed = await #expect(throws: RPCError.self) {
            let _: EchoResponse = try await fixture.client.unary(EchoServiceMethods.get, request: RawBytes([0x0A, 0x7F, 0x01]))
        }
        #expect(malformed?.code == .invalidArgument)
        #expect(malformed?.message.contains("EchoRequest") == true)
        func nested(_ depth: Int) -> Nested {
            var message = Nested(label: "leaf")
            for _ in 1..<depth { message = Nested(child: message) }
            return message
        }
        #expect(try await fixture.echo.depth(nested(100)).index == 100)
        let tooDeep = await #expect(throws: RPCError.self) { _ = try await fixture.echo.depth(nested(101)) }
        #expect(tooDeep?.code == .invalidArgument)
    }

    @Test func errorStatusAndMessageArrive() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        await #expect(throws: RPCError(.notFound, "failure requested: 100% gone")) {
            _ = try await fixture.echo.get(EchoRequest(text: "100% gone", failCode: 5))
        }
        let received = try await fixture.echo.expand(EchoRequest(text: "x", count: 2, failCode: 9)) { responses in
            var count = 0
            do {
                for try await _ in responses { count += 1 }
                Issue.record("the stream must end with FAILED_PRECONDITION")
            } catch let error as RPCError {
                #expect(error.code == .failedPrecondition)
            }
            return count
        }
        #expect(received == 2)
    }

    @Test func deadlineEndsTheCallAndCancelsTheHandler() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        // On a stalled machine the deadline can pass before the server sees the request at all;
        // then no handler started and the call is made again (a few times at most).
        var attempts = 0
        repeat {
            attempts += 1
            let error = await #expect(throws: RPCError.self) {
                _ = try await fixture.echo.get(
                    EchoRequest(text: "slow", delayMs: 60_000), options: CallOptions(timeout: .milliseconds(200)))
            }
            #expect(error?.code == .deadlineExceeded)
        } while fixture.service.observed.startedHandlers == 0 && attempts < 5
        #expect(
            await eventually {
                let observed = fixture.service.observed
                return observed.startedHandlers >= 1 && observed.cancelledHandlers == observed.startedHandlers
            })
        #expect(fixture.service.observed.completedHandlers == 0)
    }

    @Test func cancellingTheCallerCancelsTheHandler() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        let echo = fixture.echo
        let task = Task {
            try await echo.expand(EchoRequest(text: "c", count: 100_000, delayMs: 5)) { responses in
                for try await _ in responses {}
            }
        }
        #expect(await eventually { fixture.service.observed.expandMessagesWritten >= 3 })
        task.cancel()
        await #expect(throws: (any Error).self) { try await task.value }
        #expect(await eventually { fixture.service.observed.cancelledHandlers == 1 })
    }

    @Test func leavingAResponseStreamEarlyCancelsTheCall() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        let first = try await fixture.echo.expand(EchoRequest(text: "e", count: 1000, delayMs: 10)) { responses in
            for try await response in responses { return response.index }
            return UInt32.max
        }
        #expect(first == 0)
        #expect(await eventually { fixture.service.observed.cancelledHandlers == 1 })
    }

    @Test func aLargeUploadFlowsThroughSmallWindows() async throws {
        let fixture = Fixture()
        defer { fixture.client.close() }
        // 6.4 MB against a 1 MiB stream window: the client waits for the server's WINDOW_UPDATEs.
        let response = try await fixture.echo.collect { writer in
            for index in 0..<400 {
                try await writer.write(EchoRequest(text: "\(index)", payload: [UInt8](repeating: 7, count: 16_000)))
            }
        }
        #expect(response.index == 400)
    }

    @Test func aStartedServerIsReachableInProcessToo() async throws {
        let server = GRPCServer(
            configuration: .init(host: "127.0.0.1", port: 0), services: [HealthService(services: ["x"])],
            logger: Logger(label: "in-process")
        )
        let client = GRPCClient(inProcess: InProcessEndpoint(server: server))
        defer { client.close() }
        let response = try await HealthClient(client).check(HealthCheckRequest(service: "x"))
        #expect(response.status == .serving)
    }
}
