import Foundation
import GRPCHealth
import Logging
import NIOCore
import Synchronization
import Testing

@testable import GRPC

/// TLS on a gRPC port: ALPN h2 with the in-house client, client certificates (mTLS) and the
/// names handlers see, refused handshakes and their counts, and certificate files re-read
/// without touching open connections.
@Suite struct TLSTests {
    static let whoAmI = MethodDescriptor(service: "test.v1.Identity", method: "WhoAmI")

    /// Answers with the client certificate's names, comma-separated.
    struct IdentityService: RPCService {
        var serviceNames: [String] { ["test.v1.Identity"] }

        func registerMethods(with router: inout RPCRouter) {
            router.registerUnary(TLSTests.whoAmI, request: RawBytes.self, response: RawBytes.self) { _, context in
                RawBytes(Array(context.peerCertificateNames.joined(separator: ",").utf8))
            }
        }
    }

    final class HandshakeFailures: GRPCServerObserver {
        private let failures = Mutex<[TLSHandshakeFailure]>([])
        var all: [TLSHandshakeFailure] { failures.withLock { $0 } }
        func tlsHandshakeFailed(_ failure: TLSHandshakeFailure) { failures.withLock { $0.append(failure) } }
        func connectionOpened() {}
        func connectionClosed() {}
        func callStarted(method: MethodDescriptor) {}
        func callFinished(method: MethodDescriptor, code: GRPCStatusCode, duration: Duration) {}
        func callRejected(method: MethodDescriptor?, code: GRPCStatusCode) {}
    }

    struct Server {
        let server: GRPCServer
        let credentials: ServerTLSCredentials
        let failures: HandshakeFailures
        var port: Int { server.localAddress?.port ?? 0 }

        static func start(_ files: ServerTLSFiles) async throws -> Server {
            // No background checks: the files are checked when a test asks.
            var files = files
            files.reloadInterval = .zero
            let credentials = try ServerTLSCredentials(files: files, logger: Logger(label: "test-tls"))
            let failures = HandshakeFailures()
            var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: 0)
            configuration.tls = credentials
            configuration.observer = failures
            let server = GRPCServer(
                configuration: configuration, services: [IdentityService(), HealthService(services: ["test.v1.Identity"])],
                logger: Logger(label: "test-server")
            )
            try await server.start()
            return Server(server: server, credentials: credentials, failures: failures)
        }

        func client(_ files: ClientTLSFiles?) throws -> GRPCClient {
            var configuration = GRPCClient.Configuration(host: "127.0.0.1", port: port)
            configuration.tls = try files.map { try ClientTLSCredentials(files: $0) }
            configuration.connectTimeout = .seconds(5)
            return GRPCClient(configuration: configuration)
        }

        func stop() async {
            server.beginGracefulShutdown(grace: .seconds(1))
            await server.waitUntilStopped()
        }
    }

    static func whoAmI(_ client: GRPCClient) async throws -> String {
        let response: RawBytes = try await client.unary(whoAmI, request: RawBytes([]), options: CallOptions(timeout: .seconds(10)))
        return String(buffer: response.buffer)
    }

    @Test func aClientWithACertificateIsServedAndTheHandlerSeesItsNames() async throws {
        let ca = try TestCertificateAuthority()
        let serverCertificate = try ca.issue("server", subjectAlternativeNames: ["DNS:localhost", "IP:127.0.0.1"])
        let clientCertificate = try ca.issue(
            "feed", subjectAlternativeNames: ["URI:spiffe://courtside/feed", "DNS:feed.courtside.internal"])
        let server = try await Server.start(
            ServerTLSFiles(
                certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile, clientCAFile: ca.certificateFile)
        )
        let client = try server.client(
            ClientTLSFiles(
                caFile: ca.certificateFile, certificateFile: clientCertificate.certificateFile, keyFile: clientCertificate.keyFile)
        )
        #expect(try await Self.whoAmI(client) == "spiffe://courtside/feed,feed.courtside.internal")
        client.close()
        await server.stop()
    }

    @Test func withoutAClientCAAClientNeedsNoCertificateAndHasNoNames() async throws {
        let ca = try TestCertificateAuthority()
        let serverCertificate = try ca.issue("server", subjectAlternativeNames: ["DNS:localhost"])
        let server = try await Server.start(
            ServerTLSFiles(certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile))
        // The address is an IP; the certificate names localhost, so the name is given.
        let client = try server.client(ClientTLSFiles(caFile: ca.certificateFile, serverName: "localhost"))
        #expect(try await Self.whoAmI(client) == "")
        client.close()
        await server.stop()
    }

    @Test func mTLSRefusesAClientWithoutACertificateOrWithOneFromAnotherCA() async throws {
        let ca = try TestCertificateAuthority()
        let other = try TestCertificateAuthority(name: "other-ca", directory: ca.directory)
        let serverCertificate = try ca.issue("server", subjectAlternativeNames: ["IP:127.0.0.1"])
        let stranger = try other.issue("stranger", subjectAlternativeNames: ["URI:spiffe://courtside/feed"])
        let server = try await Server.start(
            ServerTLSFiles(
                certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile, clientCAFile: ca.certificateFile)
        )
        for files in [
            ClientTLSFiles(caFile: ca.certificateFile),
            ClientTLSFiles(caFile: ca.certificateFile, certificateFile: stranger.certificateFile, keyFile: stranger.keyFile),
        ] {
            let client = try server.client(files)
            await #expect(throws: (any Error).self) { try await Self.whoAmI(client) }
            client.close()
        }
        // One failure per client at least (a client may try again).
        #expect(await eventually { server.failures.all.filter { $0 == .clientCertificate }.count >= 2 }, "\(server.failures.all)")
        await server.stop()
    }

    @Test func aClientRefusesAServerItsCADoesNotVerify() async throws {
        let ca = try TestCertificateAuthority()
        let other = try TestCertificateAuthority(name: "other-ca", directory: ca.directory)
        let serverCertificate = try other.issue("server", subjectAlternativeNames: ["IP:127.0.0.1"])
        let server = try await Server.start(
            ServerTLSFiles(certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile))
        let client = try server.client(ClientTLSFiles(caFile: ca.certificateFile))
        await #expect(throws: (any Error).self) { try await Self.whoAmI(client) }
        client.close()
        await server.stop()
    }

    @Test func aClientRefusesAServerCertificateForAnotherName() async throws {
        let ca = try TestCertificateAuthority()
        let serverCertificate = try ca.issue("server", subjectAlternativeNames: ["DNS:schedule.courtside.internal"])
        let server = try await Server.start(
            ServerTLSFiles(certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile))
        let wrongName = try server.client(ClientTLSFiles(caFile: ca.certificateFile, serverName: "score.courtside.internal"))
        await #expect(throws: (any Error).self) { try await Self.whoAmI(wrongName) }
        wrongName.close()
        let rightName = try server.client(ClientTLSFiles(caFile: ca.certificateFile, serverName: "schedule.courtside.internal"))
        #expect(try await Self.whoAmI(rightName) == "")
        rightName.close()
        await server.stop()
    }

    @Test func aCleartextClientIsRefusedAndCounted() async throws {
        let ca = try TestCertificateAuthority()
        let serverCertificate = try ca.issue("server", subjectAlternativeNames: ["IP:127.0.0.1"])
        let server = try await Server.start(
            ServerTLSFiles(certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile))
        let client = try server.client(nil)
        await #expect(throws: (any Error).self) { try await Self.whoAmI(client) }
        client.close()
        // The client may try more than once; each attempt is a protocol failure.
        #expect(await eventually { !server.failures.all.isEmpty })
        #expect(server.failures.all.allSatisfy { $0 == .protocol })
        await server.stop()
    }

    @Test func rotatedFilesServeNewConnectionsWhileOpenOnesContinue() async throws {
        let first = try TestCertificateAuthority()
        let second = try TestCertificateAuthority(name: "second-ca", directory: first.directory)
        let old = try first.issue("old", subjectAlternativeNames: ["IP:127.0.0.1"])
        let new = try second.issue("new", subjectAlternativeNames: ["IP:127.0.0.1"])
        let live = ServerTLSFiles(certificateFile: "\(first.directory)/live.pem", keyFile: "\(first.directory)/live.key")
        try replaceFile(live.certificateFile, with: old.certificateFile)
        try replaceFile(live.keyFile, with: old.keyFile)
        let server = try await Server.start(live)
        #expect(await server.credentials.reloadIfChanged() == .unchanged)

        let open = try server.client(ClientTLSFiles(caFile: first.certificateFile))
        #expect(try await Self.whoAmI(open) == "")
        try replaceFile(live.certificateFile, with: new.certificateFile)
        try replaceFile(live.keyFile, with: new.keyFile)
        #expect(await server.credentials.reloadIfChanged() == .reloaded)

        // The open connection keeps its certificate; new ones get the new one.
        #expect(try await Self.whoAmI(open) == "")
        #expect(server.server.connectionCount == 1)
        let trustsOld = try server.client(ClientTLSFiles(caFile: first.certificateFile))
        await #expect(throws: (any Error).self) { try await Self.whoAmI(trustsOld) }
        let trustsNew = try server.client(ClientTLSFiles(caFile: second.certificateFile))
        #expect(try await Self.whoAmI(trustsNew) == "")
        for client in [open, trustsOld, trustsNew] { client.close() }
        await server.stop()
    }

    @Test func aRotatedClientCertificateIsPresentedOnNewConnections() async throws {
        let ca = try TestCertificateAuthority()
        let serverCertificate = try ca.issue("server", subjectAlternativeNames: ["IP:127.0.0.1"])
        let old = try ca.issue("feed-old", subjectAlternativeNames: ["DNS:old.feed.internal"])
        let new = try ca.issue("feed-new", subjectAlternativeNames: ["DNS:new.feed.internal"])
        let server = try await Server.start(
            ServerTLSFiles(
                certificateFile: serverCertificate.certificateFile, keyFile: serverCertificate.keyFile, clientCAFile: ca.certificateFile)
        )
        let live = ClientTLSFiles(
            caFile: ca.certificateFile, certificateFile: "\(ca.directory)/client-live.pem", keyFile: "\(ca.directory)/client-live.key",
            reloadInterval: .zero)
        try replaceFile(live.certificateFile!, with: old.certificateFile)
        try replaceFile(live.keyFile!, with: old.keyFile)
        // One set of credentials, as a service keeps for all its connections to another.
        let credentials = try ClientTLSCredentials(files: live)
        func client() -> GRPCClient {
            var configuration = GRPCClient.Configuration(host: "127.0.0.1", port: server.port)
            configuration.tls = credentials
            configuration.connectTimeout = .seconds(5)
            return GRPCClient(configuration: configuration)
        }
        let open = client()
        #expect(try await Self.whoAmI(open) == "old.feed.internal")
        #expect(await credentials.reloadIfChanged() == .unchanged)

        try replaceFile(live.certificateFile!, with: new.certificateFile)
        try replaceFile(live.keyFile!, with: new.keyFile)
        #expect(await credentials.reloadIfChanged() == .reloaded)
        // A new connection presents the new certificate; the open one keeps the old.
        let fresh = client()
        #expect(try await Self.whoAmI(fresh) == "new.feed.internal")
        #expect(try await Self.whoAmI(open) == "old.feed.internal")

        // A certificate without its key is not presented: the pair in use stays.
        try replaceFile(live.certificateFile!, with: old.certificateFile)
        guard case .rejected = await credentials.reloadIfChanged() else {
            Issue.record("a certificate with another certificate's key was not rejected")
            return
        }
        let third = client()
        #expect(try await Self.whoAmI(third) == "new.feed.internal")
        for client in [open, fresh, third] { client.close() }
        await server.stop()
    }

    @Test func aBadNewFileIsRejectedAndTheOldCertificateStays() async throws {
        let ca = try TestCertificateAuthority()
        let good = try ca.issue("good", subjectAlternativeNames: ["IP:127.0.0.1"])
        let other = try ca.issue("other", subjectAlternativeNames: ["IP:127.0.0.1"])
        let live = ServerTLSFiles(certificateFile: "\(ca.directory)/live.pem", keyFile: "\(ca.directory)/live.key")
        try replaceFile(live.certificateFile, with: good.certificateFile)
        try replaceFile(live.keyFile, with: good.keyFile)
        let server = try await Server.start(live)

        try "not a certificate".write(toFile: live.certificateFile, atomically: true, encoding: .utf8)
        guard case .rejected(let why) = await server.credentials.reloadIfChanged() else {
            Issue.record("a garbage certificate file was not rejected")
            return
        }
        #expect(why.contains(live.certificateFile))
        // A certificate whose key is still the old one's: rejected too.
        try replaceFile(live.certificateFile, with: other.certificateFile)
        #expect(await server.credentials.reloadIfChanged() != .reloaded)

        let client = try server.client(ClientTLSFiles(caFile: ca.certificateFile))
        #expect(try await Self.whoAmI(client) == "")
        client.close()
        // The key arrives: the pair is used.
        try replaceFile(live.keyFile, with: other.keyFile)
        #expect(await server.credentials.reloadIfChanged() == .reloaded)
        await server.stop()
    }

    @Test func unusableFilesAreRefusedAtStartNamingTheFile() throws {
        let ca = try TestCertificateAuthority()
        let one = try ca.issue("one", subjectAlternativeNames: ["DNS:localhost"])
        let two = try ca.issue("two", subjectAlternativeNames: ["DNS:localhost"])
        let logger = Logger(label: "test-tls")
        let missing = "\(ca.directory)/missing.pem"
        #expect(throws: TLSSetupError("\(missing): cannot be read")) {
            try ServerTLSCredentials(files: ServerTLSFiles(certificateFile: missing, keyFile: one.keyFile), logger: logger)
        }
        #expect(throws: TLSSetupError.self) {
            try ServerTLSCredentials(files: ServerTLSFiles(certificateFile: one.certificateFile, keyFile: two.keyFile), logger: logger)
        }
        #expect(throws: TLSSetupError.self) {
            try ServerTLSCredentials(files: ServerTLSFiles(certificateFile: one.keyFile, keyFile: one.keyFile), logger: logger)
        }
        #expect(throws: TLSSetupError.self) {
            try ClientTLSCredentials(files: ClientTLSFiles(caFile: one.keyFile))
        }
        #expect(throws: TLSSetupError.self) {
            try ClientTLSCredentials(files: ClientTLSFiles(caFile: ca.certificateFile, certificateFile: one.certificateFile))
        }
    }
}
