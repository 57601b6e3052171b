import CourtsideProto
import CourtsideRPC
import GRPC
import GRPCHealth
import Logging
import NIOCore
import Testing

/// A status message goes out in the trailers: one sized by the client (a handler quoting what
/// it was sent) must neither break the answer nor be echoed whole. Found by the wire fuzzer's
/// RPC mode: a health check for a 64 KiB service name was never answered (the trailers
/// exceeded what HTTP/2 can send in one header block, and the call hung until its deadline).
@Suite struct StatusMessageTests {
    static let refuse = MethodDescriptor(service: "test.v1.Refuse", method: "Refuse")

    /// Refuses every call with a message of the requested length (the request's first 4 bytes,
    /// big-endian).
    struct RefusingService: RPCService {
        var serviceNames: [String] { [StatusMessageTests.refuse.service] }

        func registerMethods(with router: inout RPCRouter) {
            router.registerUnary(StatusMessageTests.refuse, request: RawBytes.self, response: RawBytes.self) { request, _ in
                let length = request.buffer.getInteger(at: request.buffer.readerIndex, as: UInt32.self) ?? 0
                throw RPCError(.invalidArgument, String(repeating: "é", count: Int(length) / 2))
            }
        }
    }

    @Test func aHealthCheckForAHugeServiceNameIsAnsweredWithoutEchoingIt() async throws {
        let fixture = try await EchoFixture.start()
        defer { Task { await fixture.stop() } }
        let name = String(repeating: "y", count: 70_000)
        let error = await #expect(throws: RPCError.self) {
            _ = try await HealthClient(fixture.client).check(HealthCheckRequest(service: name), options: CallOptions(timeout: .seconds(5)))
        }
        #expect(error?.code == .notFound)
        #expect((error?.message.utf8.count ?? .max) < 200)
    }

    @Test(arguments: [20_000, 70_000, 1 << 20])
    func aStatusMessageOfAnyLengthArrivesShortened(length: Int) async throws {
        let server = GRPCServer(
            configuration: .init(host: "127.0.0.1", port: 0), services: [RefusingService()], logger: Logger(label: "refuse"))
        try await server.start()
        let client = GRPCClient(host: "127.0.0.1", port: server.localAddress?.port ?? 0)
        defer {
            client.close()
            Task {
                server.beginGracefulShutdown(grace: .seconds(1))
                await server.waitUntilStopped()
            }
        }
        try await Self.expectShortenedRefusal(length: length, from: client)
    }

    /// The same through `InProcessEndpoint`: the trailers are built and sent by the same
    /// connection code, with no port.
    @Test(arguments: [20_000, 70_000, 1 << 20])
    func aStatusMessageOfAnyLengthArrivesShortenedInProcess(length: Int) async throws {
        var router = RPCRouter()
        router.register(RefusingService())
        let client = GRPCClient(inProcess: InProcessEndpoint(router: router))
        defer { client.close() }
        try await Self.expectShortenedRefusal(length: length, from: client)
    }

    /// Asks `client`'s server for a refusal of `length` bytes and checks that its message
    /// arrived shortened to the status budget, marked as cut.
    static func expectShortenedRefusal(length: Int, from client: GRPCClient) async throws {
        var request = RawBytes([])
        request.buffer.writeInteger(UInt32(length))
        let error = await #expect(throws: RPCError.self) {
            let _: RawBytes = try await client.unary(Self.refuse, request: request, options: CallOptions(timeout: .seconds(5)))
        }
        #expect(error?.code == .invalidArgument)
        let message = error?.message ?? ""
        #expect(message.utf8.count <= GRPCStatus.maximumMessageBytes + "…".utf8.count)
        #expect(message.hasPrefix("éé") && message.hasSuffix("…"))
    }
}
