import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GRPC

/// An inline unary method behind an interceptor: inline for the calls the interceptor decides at
/// once (its task local seen by the handler, its refusal sent as the status), in a task for the
/// others.
@Suite struct InterceptedInlineUnaryTests {
    static let echo = MethodDescriptor(service: "test.v1.Intercepted", method: "Echo")

    /// Who the handler runs for, as the interceptor binds it.
    enum Caller {
        @TaskLocal static var current: String?
    }

    /// Decides by the `decide` metadata: `allow` at once, `refuse` at once, anything else only
    /// asynchronously (where `refuse` is refused too, alike). Counts the calls of each path.
    final class DecidingInterceptor: CallInterceptor {
        let counts = Mutex<(synchronous: Int, asynchronous: Int)>((0, 0))

        func intercepts(_ method: MethodDescriptor) -> Bool { true }

        func intercept(_ context: ServerContext, handler: () async throws -> Void) async throws {
            counts.withLock { $0.asynchronous += 1 }
            if context.requestMetadata.firstString(forKey: "decide") == "refuse" { throw Self.refusal }
            try await Caller.$current.withValue("async") { try await handler() }
        }

        func intercept<Result>(synchronously context: ServerContext, handler: () throws -> Result) throws -> SynchronousInterception<
            Result
        > {
            counts.withLock { $0.synchronous += 1 }
            switch context.requestMetadata.firstString(forKey: "decide") {
            case "allow": return .handled(try Caller.$current.withValue("sync") { try handler() })
            case "refuse": throw Self.refusal
            default: return .undecided
            }
        }

        static var refusal: RPCError {
            var trailers = Metadata()
            trailers.addString("why", forKey: "refusal-reason")
            return RPCError(.permissionDenied, "not you", metadata: trailers)
        }
    }

    final class Seen: Sendable {
        let calls = Mutex<[(caller: String?, inTask: Bool)]>([])
    }

    struct Service: RPCService {
        let seen: Seen
        var serviceNames: [String] { ["test.v1.Intercepted"] }

        func registerMethods(with router: inout RPCRouter) {
            let seen = self.seen
            router.registerInlineUnary(InterceptedInlineUnaryTests.echo, request: RawBytes.self, response: RawBytes.self) { request, _ in
                seen.calls.withLock { $0.append((Caller.current, withUnsafeCurrentTask { $0 != nil })) }
                return request
            }
        }
    }

    struct Fixture {
        let server: GRPCServer
        let client: GRPCClient
        let interceptor: DecidingInterceptor
        let seen: Seen

        static func start() async throws -> Fixture {
            let interceptor = DecidingInterceptor()
            let seen = Seen()
            var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: 0)
            configuration.interceptor = interceptor
            let server = GRPCServer(configuration: configuration, services: [Service(seen: seen)], logger: Logger(label: "intercepted"))
            try await server.start()
            return Fixture(
                server: server, client: GRPCClient(host: "127.0.0.1", port: server.localAddress!.port!), interceptor: interceptor,
                seen: seen)
        }

        /// One call with `decide: <decision>`: the echoed text, or the refusal.
        func call(_ decision: String, _ text: String) async throws -> String {
            var metadata = Metadata()
            metadata.addString(decision, forKey: "decide")
            let response: RawBytes = try await client.unary(
                InterceptedInlineUnaryTests.echo, request: RawBytes(Array(text.utf8)), options: CallOptions(metadata: metadata))
            return String(decoding: response.buffer.readableBytesView, as: UTF8.self)
        }

        func stop() async {
            client.close()
            server.beginGracefulShutdown(grace: .seconds(1))
            await server.waitUntilStopped()
        }
    }

    @Test func aCallDecidedAtOnceStaysInlineWithTheInterceptorsContext() async throws {
        let fixture = try await Fixture.start()
        #expect(try await fixture.call("allow", "one") == "one")
        let calls = fixture.seen.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.caller == "sync")
        #expect(calls.first?.inTask == false)
        #expect(fixture.interceptor.counts.withLock { $0 } == (1, 0))
        await fixture.stop()
    }

    @Test func anUndecidedCallRunsInATaskThroughTheAsynchronousPath() async throws {
        let fixture = try await Fixture.start()
        #expect(try await fixture.call("later", "two") == "two")
        let calls = fixture.seen.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.caller == "async")
        #expect(calls.first?.inTask == true)
        #expect(fixture.interceptor.counts.withLock { $0 } == (1, 1))
        await fixture.stop()
    }

    @Test func aRefusalAtOnceIsTheStatusWithItsTrailersAndTheHandlerDoesNotRun() async throws {
        let fixture = try await Fixture.start()
        do {
            _ = try await fixture.call("refuse", "three")
            Issue.record("the refusal must reach the client")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
            #expect(error.message == "not you")
            #expect(error.metadata.firstString(forKey: "refusal-reason") == "why")
        }
        #expect(fixture.seen.calls.withLock { $0.isEmpty })
        #expect(fixture.interceptor.counts.withLock { $0 } == (1, 0))
        await fixture.stop()
    }

    @Test func anInterceptorWithoutASynchronousAnswerKeepsEveryCallInATask() throws {
        struct AsyncOnly: CallInterceptor {
            func intercepts(_ method: MethodDescriptor) -> Bool { true }
            func intercept(_ context: ServerContext, handler: () async throws -> Void) async throws { try await handler() }
        }
        let peer = ServerPeer(remoteAddress: "127.0.0.1:1", logger: Logger(label: "test"))
        let registered = RegisteredMethod(descriptor: Self.echo, kind: .unary, handler: .inline { request, _ in request ?? ByteBuffer() })
        let context = ServerContext(method: registered, requestMetadata: Metadata(), deadline: nil, peer: peer, streamID: 1)
        var ran = false
        let outcome = try AsyncOnly().intercept(synchronously: context) { ran = true }
        guard case .undecided = outcome else {
            Issue.record("the default must leave the call to the asynchronous path")
            return
        }
        #expect(!ran)
        // Intercepted twice, the method runs in a task: the inner interceptor could stay undecided
        // after the outer one had run its part.
        let twice = registered.intercepted(by: DecidingInterceptor()).intercepted(by: AsyncOnly())
        guard case .task = twice.handler else {
            Issue.record("a method intercepted twice must run in a task")
            return
        }
    }
}
