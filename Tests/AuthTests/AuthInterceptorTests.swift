import CourtsideProto
import CourtsideRPC
import EchoExample
import Foundation
import GRPC
import GRPCHealth
import Logging
import NIOCore
import ServiceKit
import Testing

@testable import Auth

/// The interceptor in a real gRPC server: the echo service's methods are not in the table, so
/// they need `admin`; health stays open.
@Suite struct AuthInterceptorTests {
    struct Server {
        let server: GRPCServer
        let client: GRPCClient
        let echo: EchoService
        let metrics: ServiceMetrics
        let fixture: TokenFixture

        static func start() async throws -> Server {
            var fixture = try TokenFixture()
            try await fixture.addKey("k1")
            try fixture.writeJWKS()
            let metrics = ServiceMetrics(service: "auth-test")
            var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: 0)
            let verifier = try await fixture.verifier(now: { Date() })
            configuration.interceptor = AuthInterceptor(
                verifier: verifier, permissions: MethodPermissions(requireReadToken: false), metrics: metrics)
            let echo = EchoService()
            let health = HealthService(services: [EchoServiceMethods.serviceName])
            let server = GRPCServer(configuration: configuration, services: [echo, health], logger: Logger(label: "auth-test"))
            try await server.start()
            let client = GRPCClient(host: "127.0.0.1", port: server.localAddress!.port!)
            return Server(server: server, client: client, echo: echo, metrics: metrics, fixture: fixture)
        }

        func token(scope: String) async throws -> String {
            try await fixture.token(TokenFixture.claims(exp: Date() + 600, scope: scope))
        }

        func echo(authorization: String?) async -> GRPCStatusCode {
            var metadata = Metadata()
            if let authorization { metadata.addString(authorization, forKey: "authorization") }
            do {
                let _: EchoResponse = try await client.unary(
                    EchoServiceMethods.get, request: EchoRequest(text: "hi"), options: CallOptions(metadata: metadata)
                )
                return .ok
            } catch let error as RPCError {
                return error.code
            } catch {
                return .unknown
            }
        }

        var metricsText: String { String(decoding: metrics.render(), as: UTF8.self) }

        func stop() async {
            client.close()
            server.beginGracefulShutdown(grace: .seconds(1))
            await server.waitUntilStopped()
        }
    }

    @Test func refusesWithoutRunningTheHandlerAndCountsTheReason() async throws {
        let server = try await Server.start()
        #expect(await server.echo(authorization: nil) == .unauthenticated)
        #expect(await server.echo(authorization: "Bearer not-a-jwt") == .unauthenticated)
        #expect(await server.echo(authorization: "Basic dXNlcjpwYXNz") == .unauthenticated)
        #expect(await server.echo(authorization: "Bearer " + (try await server.token(scope: "scores:publish"))) == .permissionDenied)
        #expect(server.echo.observed.startedHandlers == 0)
        #expect(await server.echo(authorization: "Bearer " + (try await server.token(scope: "admin"))) == .ok)
        #expect(server.echo.observed.startedHandlers == 1)
        let text = server.metricsText
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="other",reason="missing_token"} 1"#))
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="other",reason="malformed_token"} 2"#))
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="other",reason="missing_scope"} 1"#))
        await server.stop()
    }

    @Test func aClientPresentsTheTokenOfItsFileAndFollowsItsChanges() async throws {
        let server = try await Server.start()
        let tokenPath = server.fixture.directory.appendingPathComponent("client.token")
        try Data((try await server.token(scope: "admin") + "\n").utf8).write(to: tokenPath)
        var configuration = GRPCClient.Configuration(host: "127.0.0.1", port: server.server.localAddress!.port!)
        configuration.credentials = try BearerTokenFile(path: tokenPath.path)
        let client = GRPCClient(configuration: configuration)
        let call: @Sendable () async -> GRPCStatusCode = {
            do {
                let _: EchoResponse = try await client.unary(EchoServiceMethods.get, request: EchoRequest(text: "hi"))
                return .ok
            } catch {
                return (error as? RPCError)?.code ?? .unknown
            }
        }
        #expect(await call() == .ok)
        try Data((try await server.token(scope: "scores:read")).utf8).write(to: tokenPath)
        var code = GRPCStatusCode.ok
        for _ in 0..<100 where code == .ok {
            try await Task.sleep(for: .milliseconds(50))
            code = await call()
        }
        #expect(code == .permissionDenied)
        client.close()
        await server.stop()
    }

    @Test func anEmptyTokenFileIsRefusedAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("empty.token").path
        try Data("\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: BearerTokenFile.Problem.self) { try BearerTokenFile(path: path) }
        #expect(throws: BearerTokenFile.Problem.self) { try BearerTokenFile(path: directory.appendingPathComponent("missing").path) }
    }

    @Test func healthStaysOpen() async throws {
        let server = try await Server.start()
        #expect(try await HealthClient(server.client).check(HealthCheckRequest()).status == .serving)
        await server.stop()
    }
}

@Suite struct AuthConfigurationTests {
    @Test func aNonLoopbackHostWithoutKeysNeedsTheExplicitFlag() throws {
        let open = AuthConfiguration()
        #expect(throws: SettingsError.self) { try open.checkExposure(host: "0.0.0.0") }
        try open.checkExposure(host: "127.0.0.1")
        try open.checkExposure(host: "::1")
        let allowed = try AuthConfiguration(reader: SettingsReader(arguments: ["--allow-anonymous-writes"], environment: [:]))
        try allowed.checkExposure(host: "0.0.0.0")
        let keyed = try AuthConfiguration(reader: SettingsReader(arguments: [], environment: ["COURTSIDE_JWKS_FILE": "/keys/jwks.json"]))
        try keyed.checkExposure(host: "0.0.0.0")
    }

    @Test func requiringReadTokensNeedsKeys() {
        #expect(throws: SettingsError.self) {
            try AuthConfiguration(reader: SettingsReader(arguments: ["--require-read-token"], environment: [:]))
        }
    }

    @Test func permissionsOfTheWriteMethods() {
        let permissions = MethodPermissions(requireReadToken: false)
        let publish = MethodDescriptor(service: "courtside.v1.ScoreService", method: "PublishEvents")
        #expect(permissions.permission(for: publish) == .scope(Scope.publishScores))
        let acknowledge = MethodDescriptor(service: "courtside.v1.SubscriptionService", method: "Acknowledge")
        #expect(permissions.permission(for: acknowledge) == .scope(Scope.consumeSubscriptions))
        let unknown = MethodDescriptor(service: "courtside.v1.ScoreService", method: "DropEverything")
        #expect(permissions.permission(for: unknown) == .scope(Scope.admin))
        #expect(MethodPermissions.label(for: unknown) == "other")
    }
}
