import Foundation
import GRPCWire
import Logging
import NIOCore
import ServiceKit
import Synchronization
import Testing

@testable import Auth
@testable import GRPC

/// `AuthInterceptor.intercept(synchronously:handler:)`, the path that keeps an inline method
/// inline: it decides a call at once when its token was verified before (and refuses it at once
/// when that token has expired since), leaves every other token to the asynchronous path, and
/// refuses, counts, logs and audits exactly as that path does.
@Suite struct SynchronousInterceptionTests {
    static let publish = MethodDescriptor(service: "courtside.v1.ScoreService", method: "PublishEvents")

    final class Clock: Sendable {
        private let time = Mutex(TokenFixture.now)
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    /// Log lines as text, without the request id (random per connection).
    final class LogLines: Sendable {
        let lines = Mutex<[String]>([])

        var logger: Logger { Logger(label: "auth-sync-test") { _ in Handler(recorder: self) } }

        struct Handler: LogHandler {
            let recorder: LogLines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                var merged = metadata
                for (key, value) in event.metadata ?? [:] { merged[key] = value }
                merged["request_id"] = nil
                let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
            }
        }
    }

    /// What one call came to: the handler ran (the subject it saw, whether an audit note was
    /// bound), it was refused (code and message), or it was left to the asynchronous path.
    enum Outcome: Equatable {
        case handled(subject: String?, noted: Bool)
        case refused(GRPCStatusCode, String)
        case undecided
    }

    /// An interceptor with its own clock, verifier, counters and log.
    struct Setup {
        let interceptor: AuthInterceptor
        let clock: Clock
        let metrics: ServiceMetrics
        let logs: LogLines
        let peer: ServerPeer

        /// The verifier's key file is checked in the background once an hour here, so that only
        /// the tests that ask for a check (`reloadIfChanged()`) see a reload.
        static func make(_ fixture: TokenFixture, verifying: Bool = true, cacheCapacity: Int = 10_000) async throws -> Setup {
            let clock = Clock()
            let verifier =
                verifying
                ? try await fixture.verifier(now: { clock.now }, reloadInterval: .seconds(3600), cacheCapacity: cacheCapacity) : nil
            let metrics = ServiceMetrics(service: "auth-sync-test")
            let logs = LogLines()
            return Setup(
                interceptor: AuthInterceptor(verifier: verifier, permissions: MethodPermissions(requireReadToken: false), metrics: metrics),
                clock: clock, metrics: metrics, logs: logs, peer: ServerPeer(remoteAddress: "127.0.0.1:1", logger: logs.logger)
            )
        }

        /// The same interceptor, clock, counters and log, seen from another connection.
        func anotherConnection() -> Setup {
            Setup(
                interceptor: interceptor, clock: clock, metrics: metrics, logs: logs,
                peer: ServerPeer(remoteAddress: "127.0.0.1:2", logger: logs.logger))
        }

        /// The token the connection's slot holds, if any.
        var connectionToken: ConnectionToken? { peer.interceptorSlot.value as? ConnectionToken }

        func context(_ authorization: String?) -> ServerContext {
            var metadata = Metadata()
            if let authorization { metadata.addString(authorization, forKey: "authorization") }
            let registered = RegisteredMethod(descriptor: SynchronousInterceptionTests.publish, kind: .unary, handler: .task { _, _, _ in })
            return ServerContext(method: registered, requestMetadata: metadata, deadline: nil, peer: peer, streamID: 1)
        }

        /// The handler notes a game, so that an audit line names it.
        private static func handler() -> Outcome {
            AuditNote.games(["g1"])
            return .handled(subject: Identity.current?.subject, noted: AuditNote.current != nil)
        }

        func callAtOnce(_ authorization: String?) -> Outcome {
            do {
                switch try interceptor.intercept(synchronously: context(authorization), handler: Self.handler) {
                case .handled(let outcome): return outcome
                case .undecided: return .undecided
                }
            } catch let error as RPCError {
                return .refused(error.code, error.message)
            } catch {
                return .refused(.unknown, "\(error)")
            }
        }

        func callAsynchronously(_ authorization: String?) async -> Outcome {
            let outcome = Mutex<Outcome?>(nil)
            do {
                try await interceptor.intercept(context(authorization)) {
                    let handled = Self.handler()
                    outcome.withLock { $0 = handled }
                }
                return outcome.withLock { $0 } ?? .refused(.unknown, "the handler did not run")
            } catch let error as RPCError {
                return .refused(error.code, error.message)
            } catch {
                return .refused(.unknown, "\(error)")
            }
        }

        /// The refusal counters that are not zero, sorted.
        var refusalCounts: [String] {
            String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init).filter {
                $0.hasPrefix("courtside_grpc_auth_refusals_total{") && !$0.hasSuffix(" 0")
            }.sorted()
        }

        var logLines: [String] { logs.lines.withLock { $0 } }
    }

    static func fixture() async throws -> TokenFixture {
        var fixture = try TokenFixture()
        try await fixture.addKey("k1")
        try fixture.writeJWKS()
        return fixture
    }

    @Test func aCachedValidTokenIsDecidedAtOnceAndTheHandlerSeesItsIdentity() async throws {
        let fixture = try await Self.fixture()
        let setup = try await Setup.make(fixture)
        let bearer = "Bearer " + (try await fixture.token(TokenFixture.claims(sub: "feed", exp: TokenFixture.now + 600)))
        #expect(setup.callAtOnce(bearer) == .undecided)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        // The same token spelt differently is the same cache entry (the token is read as a slice).
        #expect(setup.callAtOnce("  bearer \t" + bearer.dropFirst(7) + " ") == .handled(subject: "feed", noted: true))
        // One audit line per accepted write on either path, alike.
        let audits = setup.logLines.filter { $0.contains("audit=true") }
        #expect(audits.count == 3)
        #expect(
            Set(audits) == [
                "info write audit=true games=g1 method=PublishEvents outcome=ok rpc=/courtside.v1.ScoreService/PublishEvents subject=feed"
            ])
        #expect(setup.refusalCounts.isEmpty)
    }

    @Test func anExpiredCachedTokenIsRefusedAtOnce() async throws {
        let fixture = try await Self.fixture()
        let setup = try await Setup.make(fixture)
        let bearer = "Bearer " + (try await fixture.token(TokenFixture.claims(exp: TokenFixture.now + 60)))
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        // Expiry is checked at every call, with the verifier's clock skew (30 s).
        setup.clock.advance(89)
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        setup.clock.advance(1)
        #expect(setup.callAtOnce(bearer) == .refused(.unauthenticated, "the token has expired"))
        #expect(setup.callAtOnce(bearer) == .refused(.unauthenticated, "the token has expired"))
        #expect(setup.refusalCounts.contains(#"courtside_grpc_auth_refusals_total{method="PublishEvents",reason="expired"} 2"#))
    }

    @Test func aCacheMissOrAChangedKeyFileGoesToTheAsynchronousPathThenLaterCallsAreDecidedAtOnce() async throws {
        var fixture = try await Self.fixture()
        let setup = try await Setup.make(fixture)
        let bearer = "Bearer " + (try await fixture.token(TokenFixture.claims(exp: TokenFixture.now + 86400)))
        #expect(setup.callAtOnce(bearer) == .undecided)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        // The key file is checked and has not changed: the token stays cached.
        await setup.interceptor.verifier!.reloadIfChanged()
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        // The key is withdrawn: after the reload its tokens are refused, none of them at once.
        fixture.unpublish("k1")
        try await fixture.addKey("k2")
        try fixture.writeJWKS()
        await setup.interceptor.verifier!.reloadIfChanged()
        #expect(setup.callAtOnce(bearer) == .undecided)
        #expect(await setup.callAsynchronously(bearer) == .refused(.unauthenticated, "the token's key id is not a known key"))
        #expect(setup.callAtOnce(bearer) == .undecided)
    }

    @Test func refusalsAreTheSameOnBothPaths() async throws {
        let fixture = try await Self.fixture()
        let reader =
            "Bearer " + (try await fixture.token(TokenFixture.claims(sub: "dash", exp: TokenFixture.now + 600, scope: "scores:read")))
        let expiring = "Bearer " + (try await fixture.token(TokenFixture.claims(sub: "old", exp: TokenFixture.now + 60)))
        let tooLong = "Bearer " + String(repeating: "x", count: BearerToken.maximumBytes + 1)
        let synchronous = try await Setup.make(fixture)
        let asynchronous = try await Setup.make(fixture)
        // The synchronous side has seen both tokens before (verified without a call, so that
        // nothing is counted or logged); the asynchronous side verifies them now.
        for bearer in [reader, expiring] { _ = try await synchronous.interceptor.verifier!.verify(String(bearer.dropFirst(7))) }
        synchronous.clock.advance(120)
        asynchronous.clock.advance(120)
        let cases: [(String?, Outcome)] = [
            (nil, .refused(.unauthenticated, AuthFailure.missingToken.message)),
            (reader, .refused(.permissionDenied, AuthFailure.missingScope.message)),
            (expiring, .refused(.unauthenticated, AuthFailure.expired.message)),
            (tooLong, .refused(.unauthenticated, AuthFailure.malformedToken.message)),
        ]
        for (authorization, expected) in cases {
            #expect(synchronous.callAtOnce(authorization) == expected)
            #expect(await asynchronous.callAsynchronously(authorization) == expected)
        }
        #expect(synchronous.refusalCounts == asynchronous.refusalCounts)
        #expect(synchronous.refusalCounts.count == 4)
        #expect(synchronous.logLines == asynchronous.logLines)
        #expect(synchronous.logLines.count == 4)
        #expect(
            synchronous.logLines.contains {
                $0.contains("call refused") && $0.contains("subject=dash") && $0.contains("reason=missing_scope")
            })

        // Without a key file every token is refused, at once too.
        let keyless = try await Setup.make(fixture, verifying: false)
        let keylessAsync = try await Setup.make(fixture, verifying: false)
        #expect(keyless.callAtOnce(reader) == .refused(.unauthenticated, AuthFailure.unknownKey.message))
        #expect(await keylessAsync.callAsynchronously(reader) == .refused(.unauthenticated, AuthFailure.unknownKey.message))
        #expect(keyless.logLines == keylessAsync.logLines && keyless.refusalCounts == keylessAsync.refusalCounts)
    }
}

/// Through a real server: an inline method behind the interceptor runs in a task for a token
/// seen the first time, then inline on the event loop, with the caller's identity.
@Suite struct InlineMethodBehindAuthTests {
    static let whoami = MethodDescriptor(service: "test.v1.Inline", method: "Whoami")

    final class Seen: Sendable {
        let inTask = Mutex<[Bool]>([])
    }

    struct WhoamiService: RPCService {
        let seen: Seen
        var serviceNames: [String] { ["test.v1.Inline"] }

        func registerMethods(with router: inout RPCRouter) {
            let seen = self.seen
            router.registerInlineUnary(InlineMethodBehindAuthTests.whoami, request: RawBytes.self, response: RawBytes.self) { _, _ in
                seen.inTask.withLock { $0.append(withUnsafeCurrentTask { $0 != nil }) }
                return RawBytes(Array((Identity.current?.subject ?? "-").utf8))
            }
        }
    }

    @Test func aCachedTokenKeepsTheCallInline() async throws {
        let fixture = try await SynchronousInterceptionTests.fixture()
        let verifier = try await fixture.verifier(now: { Date() }, reloadInterval: .seconds(3600))
        let metrics = ServiceMetrics(service: "auth-inline-test")
        var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.interceptor = AuthInterceptor(
            verifier: verifier, permissions: MethodPermissions(requireReadToken: false), metrics: metrics)
        let seen = Seen()
        let server = GRPCServer(
            configuration: configuration, services: [WhoamiService(seen: seen)], logger: Logger(label: "auth-inline-test"))
        try await server.start()
        let client = GRPCClient(host: "127.0.0.1", port: server.localAddress!.port!)
        let admin = try await fixture.token(TokenFixture.claims(sub: "ops", exp: Date() + 600, scope: "admin"))
        let reader = try await fixture.token(TokenFixture.claims(sub: "dash", exp: Date() + 600, scope: "scores:read"))
        func call(_ token: String?) async -> String {
            var metadata = Metadata()
            if let token { metadata.addString("Bearer " + token, forKey: "authorization") }
            do {
                let response: RawBytes = try await client.unary(
                    Self.whoami, request: RawBytes([]), options: CallOptions(metadata: metadata))
                return String(decoding: response.buffer.readableBytesView, as: UTF8.self)
            } catch let error as RPCError {
                return "\(error.code)"
            } catch {
                return "\(error)"
            }
        }
        #expect(await call(admin) == "ops")
        #expect(await call(admin) == "ops")
        #expect(await call(admin) == "ops")
        #expect(seen.inTask.withLock { $0 } == [true, false, false])
        #expect(await call(nil) == "\(GRPCStatusCode.unauthenticated)")
        #expect(await call(reader) == "\(GRPCStatusCode.permissionDenied)")
        #expect(await call(reader) == "\(GRPCStatusCode.permissionDenied)")
        #expect(seen.inTask.withLock { $0.count } == 3)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="other",reason="missing_scope"} 2"#))
        client.close()
        server.beginGracefulShutdown(grace: .seconds(1))
        await server.waitUntilStopped()
    }
}
