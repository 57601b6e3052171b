import CourtsideProto
import CourtsideRPC
import GRPCHealth
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GRPC

/// `registerInlineUnary`: the handler runs on the connection's event loop without a task, and
/// behaves on the wire as an async unary handler does.
@Suite struct InlineUnaryTests {
    static let service = "test.v1.Inline"
    static let echo = MethodDescriptor(service: service, method: "Echo")
    static let typed = MethodDescriptor(service: service, method: "Typed")

    /// Where and how each handler ran.
    final class Observations: Sendable {
        private let state = Mutex<[(inTask: Bool, onLoop: Bool)]>([])
        func record(inTask: Bool, onLoop: Bool) { state.withLock { $0.append((inTask, onLoop)) } }
        var all: [(inTask: Bool, onLoop: Bool)] { state.withLock { $0 } }
    }

    struct InlineService: RPCService {
        let group: MultiThreadedEventLoopGroup
        let observations: Observations
        var serviceNames: [String] { [InlineUnaryTests.service] }

        func registerMethods(with router: inout RPCRouter) {
            let group = self.group
            let observations = self.observations
            router.registerInlineUnary(InlineUnaryTests.echo, request: RawBytes.self, response: RawBytes.self) { request, context in
                let inTask = withUnsafeCurrentTask { $0 != nil }
                let onLoop = group.makeIterator().contains { $0.inEventLoop }
                observations.record(inTask: inTask, onLoop: onLoop)
                switch request.buffer.readableBytesView.first {
                case UInt8(ascii: "E"):
                    var trailers = Metadata()
                    trailers.addString("why", forKey: "inline-reason")
                    throw RPCError(.failedPrecondition, "refused: 100% inline", metadata: trailers)
                case UInt8(ascii: "X"):
                    struct Unexpected: Error {}
                    throw Unexpected()
                default:
                    var headers = Metadata()
                    headers.addString("inline", forKey: "inline-mode")
                    context.addResponseMetadata(headers)
                    var trailers = Metadata()
                    trailers.addBinary([1, 2, 3], forKey: "inline-trace-bin")
                    context.addTrailingMetadata(trailers)
                    return request
                }
            }
            router.registerInlineUnary(InlineUnaryTests.typed, request: EchoRequest.self, response: EchoResponse.self) { request, _ in
                EchoResponse(text: request.text.uppercased())
            }
        }
    }

    struct Fixture {
        let group: MultiThreadedEventLoopGroup
        let server: GRPCServer
        let client: GRPCClient
        let observations: Observations

        static func start() async throws -> Fixture {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let observations = Observations()
            let server = GRPCServer(
                configuration: GRPCServer.Configuration(host: "127.0.0.1", port: 0),
                services: [InlineService(group: group, observations: observations)],
                logger: Logger(label: "inline-test"),
                eventLoopGroup: group
            )
            try await server.start()
            let client = GRPCClient(host: "127.0.0.1", port: server.localAddress!.port!)
            return Fixture(group: group, server: server, client: client, observations: observations)
        }

        func stop() async throws {
            client.close()
            server.beginGracefulShutdown(grace: .seconds(1))
            await server.waitUntilStopped()
            try await group.shutdownGracefully()
        }
    }

    @Test func answersOnTheEventLoopWithoutATaskAndCarriesMetadata() async throws {
        let fixture = try await Fixture.start()
        let (response, headers, trailers): (RawBytes, Metadata, Metadata) = try await fixture.client.unaryWithMetadata(
            Self.echo, request: RawBytes(Array("hello".utf8)))
        #expect(Array(response.buffer.readableBytesView) == Array("hello".utf8))
        #expect(headers.firstString(forKey: "inline-mode") == "inline")
        #expect(trailers[binaryValues: "inline-trace-bin"] == [[1, 2, 3]])
        let observed = fixture.observations.all
        #expect(observed.count == 1)
        #expect(observed.first?.inTask == false)
        #expect(observed.first?.onLoop == true)
        try await fixture.stop()
    }

    @Test func manyConcurrentCallsEachGetTheirOwnAnswer() async throws {
        let fixture = try await Fixture.start()
        let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let body = Array("call-\(index)".utf8)
                    let response: RawBytes = try await fixture.client.unary(Self.echo, request: RawBytes(body))
                    return Array(response.buffer.readableBytesView) == body
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count == 200 && answers.allSatisfy { $0 })
        #expect(fixture.observations.all.allSatisfy { !$0.inTask && $0.onLoop })
        try await fixture.stop()
    }

    @Test func errorsBecomeStatusesAsForAsyncHandlers() async throws {
        let fixture = try await Fixture.start()
        do {
            let _: RawBytes = try await fixture.client.unary(Self.echo, request: RawBytes(Array("E".utf8)))
            Issue.record("the handler's error must reach the client")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
            #expect(error.message == "refused: 100% inline")
            #expect(error.metadata.firstString(forKey: "inline-reason") == "why")
        }
        do {
            let _: RawBytes = try await fixture.client.unary(Self.echo, request: RawBytes(Array("X".utf8)))
            Issue.record("an unexpected error must reach the client")
        } catch let error as RPCError {
            #expect(error.code == .unknown)
        }
        // A request that does not parse is INVALID_ARGUMENT, and the handler is not called.
        do {
            let _: EchoResponse = try await fixture.client.unary(Self.typed, request: RawBytes([0x0A, 0x7F, 0x01]))
            Issue.record("a malformed request must fail")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
        }
        let typed: EchoResponse = try await fixture.client.unary(Self.typed, request: EchoRequest(text: "abc"))
        #expect(typed.text == "ABC")
        try await fixture.stop()
    }

    @Test func healthCheckRunsInlineAndWatchInATask() async throws {
        var router = RPCRouter()
        router.register(HealthService(services: ["test.v1.Inline"]))
        #expect(router.method(forPath: "/grpc.health.v1.Health/Check")?.inline != nil)
        #expect(router.method(forPath: "/grpc.health.v1.Health/Watch")?.kind == .serverStreaming)
        #expect(router.method(forPath: "/grpc.health.v1.Health/Watch")?.inline == nil)

        let fixture = try await EchoFixture.start()
        let health = HealthClient(fixture.client)
        #expect(try await health.check(HealthCheckRequest()).status == .serving)
        fixture.healthService.setStatus(.notServing, forService: "")
        #expect(try await health.check(HealthCheckRequest()).status == .notServing)
        do {
            _ = try await health.check(HealthCheckRequest(service: "nope"))
            Issue.record("an unknown service must be NOT_FOUND")
        } catch let error as RPCError {
            #expect(error.code == .notFound)
            #expect(error.message == "unknown service 'nope'")
        }
        await fixture.stop()
    }
}
