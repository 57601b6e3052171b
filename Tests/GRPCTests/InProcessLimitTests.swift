import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPCHealth
import Glibc
import HTTP2Transport
import NIOCore
import NIOPosix
import Testing

@testable import GRPC

/// The gRPC server's request limits against hand-made frames, with no port: the client speaks
/// raw HTTP/2 on one end of a socket pair, the other end is served as `InProcessEndpoint` serves
/// it (the server's HTTP/2 connection and gRPC calls, its configuration and observer). The
/// in-memory twins of `ServerLimitTests`; what only a listening server has (connection caps,
/// what the server holds across connections) stays there.
@Suite struct InProcessLimitTests {
    typealias Frame = RawHTTP2Client.Frame

    /// The echo, health and hold services behind an in-process endpoint, and what it reported.
    struct Fixture {
        let endpoint: InProcessEndpoint
        let observer: RecordingObserver
        let logs: LogRecorder

        init(_ configure: (inout GRPCServer.Configuration) -> Void = { _ in }) {
            let observer = RecordingObserver()
            var configuration = GRPCServer.Configuration.limitTest(observer: observer)
            configure(&configuration)
            let logs = LogRecorder()
            let server = GRPCServer(
                configuration: configuration,
                services: [EchoService(), HealthService(services: [EchoServiceMethods.serviceName]), HoldService()],
                logger: logs.logger(label: "limits")
            )
            self.endpoint = InProcessEndpoint(server: server, logger: logs.logger(label: "limits"))
            self.observer = observer
            self.logs = logs
        }

        /// A raw client on a new connection.
        func client() async throws -> RawHTTP2Client {
            var descriptors: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0 else {
                throw RawHTTP2Client.SocketError(what: "socketpair")
            }
            let endpoint = self.endpoint
            _ = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try endpoint.initializeServer(channel) }
                }
                .takingOwnershipOfDescriptor(inputOutput: descriptors[0])
                .get()
            return RawHTTP2Client(descriptor: descriptors[1])
        }

        /// A gRPC client on the same endpoint.
        func grpc() -> GRPCClient {
            GRPCClient(inProcess: endpoint)
        }
    }

    @Test func aHeaderBlockOverTheAdvertisedListSizeIsRefusedAndTheDecoderStaysInSync() async throws {
        let fixture = Fixture()
        let client = try await fixture.client()
        #expect(await client.handshake())
        // A 4 KB field enters the dynamic table, then one-byte references to it fill a HEADERS
        // frame and 8 CONTINUATIONs: far past 16 KiB once decoded.
        client.send(ServerLimitTests.headerBlockOfReferences(stream: 1))
        let refused = await client.streamEnd(1)
        #expect(refused?.grpcStatus == "8", "RESOURCE_EXHAUSTED")
        #expect(refused?.grpcMessage?.contains("request headers exceed 16384 bytes") == true)
        // A request that uses the dynamic-table entry works: the decoder read the whole block.
        client.send(try ServerLimitTests.healthCheckReferencingTheBigField(stream: 3))
        #expect(await client.streamEnd(3)?.grpcStatus == "0")
        #expect(fixture.observer.limits == [.headerListSize])
    }

    @Test func aStreamHoldingMoreThanItsBudgetEndsWithResourceExhausted() async throws {
        let fixture = Fixture { configuration in
            configuration.maximumReceiveMessageSize = 64 << 10
            configuration.limits.maxStreamRequestBytes = 64 << 10
        }
        let client = try await fixture.client()
        #expect(await client.handshake())
        // The handler never reads: the first message waits, the second takes the stream over.
        let message = RawHTTP2Client.grpcMessage([UInt8](repeating: 7, count: 60 << 10))
        client.send(RawHTTP2Client.openCall(stream: 1, path: HoldService.hold.path, body: message + message))
        let end = await client.streamEnd(1)
        #expect(end?.grpcStatus == "8")
        #expect(end?.grpcMessage?.contains("holds more than 65536 unread bytes") == true)
        #expect(fixture.observer.limits == [.streamRequestBytes])
    }

    @Test func aConnectionHoldsNoMoreThanItsBudgetOfUnfinishedMessages() async throws {
        let fixture = Fixture { configuration in
            configuration.maximumReceiveMessageSize = 512 << 10
            configuration.limits.maxConnectionRequestBytes = 1 << 20
        }
        let client = try await fixture.client()
        #expect(await client.handshake())
        // Six unary calls each announce a 400 KB message (a 512 KiB buffer) and send 300 KB.
        let announced = [0] + RawHTTP2Client.bytes(of: 400_000) + [UInt8](repeating: 1, count: 300_000)
        for stream in stride(from: UInt32(1), through: 11, by: 2) {
            client.send(RawHTTP2Client.openCall(stream: stream, path: EchoServiceMethods.get.path, body: announced))
        }
        let ended = await client.streamsEnded(count: 4)
        #expect(ended.allSatisfy { $0.grpcStatus == "8" })
        #expect(ended.map(\.stream).sorted() == [5, 7, 9, 11], "two 512 KiB messages fill the budget; the others are refused")
        #expect(fixture.observer.limits == Array(repeating: .connectionRequestBytes, count: 4))
    }

    @Test func aHugeTimeoutIsNoDeadlineAndDoesNotTrap() async throws {
        let fixture = Fixture()
        let client = try await fixture.client()
        #expect(await client.handshake())
        client.send(
            ServerLimitTests.call(
                stream: 1, path: ServerLimitTests.healthCheck, message: try ServerLimitTests.healthRequest(),
                extra: [("grpc-timeout", "99999999H")]))
        #expect(await client.streamEnd(1)?.grpcStatus == "0")
        // A client's own huge deadline saturates instead of overflowing.
        let grpc = fixture.grpc()
        defer { grpc.close() }
        let response = try await HealthClient(grpc).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(Int64.max / 2)))
        #expect(response.status == .serving)
    }

    @Test func callsToUnknownMethodsAreReportedWithoutTheirPath() async throws {
        let fixture = Fixture()
        let grpc = fixture.grpc()
        defer { grpc.close() }
        for index in 0..<20 {
            let error = await #expect(throws: RPCError.self) {
                let _: RawBytes = try await grpc.unary(
                    MethodDescriptor(service: "random\(index)", method: "m\(index)"), request: RawBytes([]))
            }
            #expect(error?.code == .unimplemented)
        }
        #expect(fixture.observer.rejectedMethods.count == 20)
        #expect(fixture.observer.rejectedMethods.allSatisfy { $0 == nil })
    }

    @Test func anInternalErrorReachesTheClientAsARequestIDAndTheLogKeepsIt() async throws {
        let fixture = Fixture()
        let grpc = fixture.grpc()
        defer { grpc.close() }
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
    }
}
