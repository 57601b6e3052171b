import Foundation
import Logging
import ServiceKit
import Synchronization
import Testing

@testable import Auth
@testable import GRPC

/// The client identities table (a verified certificate's SAN → subject and scopes), its file
/// reloaded on change, and the interceptor's choice between a token and a certificate.
@Suite struct ClientIdentityTableTests {
    static let document = """
        {"identities": [
          {"san": "spiffe://cluster/ns/courtside/sa/feed", "subject": "feed", "scopes": ["scores:publish", "schedule:write"]},
          {"san": "Ops.Courtside.Internal", "subject": "operator", "scopes": ["admin"]},
          {"san": "reader.courtside.internal", "subject": "reader", "scopes": []}
        ]}
        """

    private func table(_ json: String) throws(ClientIdentityTable.Problem) -> ClientIdentityTable {
        try ClientIdentityTable(json: Data(json.utf8))
    }

    private func problem(_ json: String) -> String? {
        do {
            _ = try table(json)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aURIOrDNSNameGivesItsSubjectAndScopes() throws {
        let table = try table(Self.document)
        #expect(table.count == 3)
        let feed = table.identity(forCertificateNames: ["spiffe://cluster/ns/courtside/sa/feed"])
        #expect(feed == Identity(subject: "feed", scopes: ["scores:publish", "schedule:write"]))
        // DNS names ignore case (both in the file and in the certificate).
        #expect(table.identity(forCertificateNames: ["ops.courtside.INTERNAL"])?.subject == "operator")
        #expect(table.identity(forCertificateNames: ["reader.courtside.internal"]) == Identity(subject: "reader", scopes: []))
        // URIs are compared exactly.
        #expect(table.identity(forCertificateNames: ["spiffe://cluster/ns/courtside/sa/FEED"]) == nil)
        #expect(table.identity(forCertificateNames: ["stranger.courtside.internal", "spiffe://elsewhere"]) == nil)
        #expect(table.identity(forCertificateNames: []) == nil)
    }

    @Test func theCertificatesFirstListedNameDecides() throws {
        let table = try table(Self.document)
        let names = ["stranger.example", "reader.courtside.internal", "spiffe://cluster/ns/courtside/sa/feed"]
        #expect(table.identity(forCertificateNames: names)?.subject == "reader")
    }

    @Test func aMistakeAnywhereRefusesTheWholeDocument() {
        let cases: [(String, String)] = [
            ("{not json", "is not JSON"),
            ("[]", "is not a client identities document"),
            (#"{"identities": {}}"#, "is not a client identities document"),
            (#"{"identities": [], "extra": 1}"#, "has 'extra' beside"),
            (#"{"identities": []}"#, "lists no identities"),
            (#"{"identities": [1]}"#, "identity 0 is not an object"),
            (#"{"identities": [{"subject": "a", "scopes": []}]}"#, "identity 0 has no san"),
            (#"{"identities": [{"san": "", "subject": "a", "scopes": []}]}"#, "identity 0 has no san"),
            (#"{"identities": [{"san": "a.example", "scopes": []}]}"#, "has no subject"),
            (#"{"identities": [{"san": "a.example", "subject": "a"}]}"#, "has no scopes array"),
            (#"{"identities": [{"san": "a.example", "subject": "a", "scopes": "admin"}]}"#, "has no scopes array"),
            (#"{"identities": [{"san": "a.example", "subject": "a", "scopes": ["scores:write"]}]}"#, "has scope 'scores:write'"),
            (#"{"identities": [{"san": "a.example", "subject": "a", "scopes": [7]}]}"#, "has scope '7'"),
            (#"{"identities": [{"san": "a.example", "subject": "a", "scope": ["admin"]}]}"#, "has 'scope', which is not one of"),
            (#"{"identities": [{"san": "URI:spiffe://c/feed", "subject": "a", "scopes": []}]}"#, "without openssl's 'URI:' prefix"),
            (#"{"identities": [{"san": "DNS:a.example", "subject": "a", "scopes": []}]}"#, "without openssl's 'DNS:' prefix"),
            (#"{"identities": [{"san": "*.example", "subject": "a", "scopes": []}]}"#, "has a wildcard"),
            (#"{"identities": [{"san": "a b", "subject": "a", "scopes": []}]}"#, "has white space"),
            (#"{"identities": [{"san": "a_b!", "subject": "a", "scopes": []}]}"#, "is neither a URI"),
            (
                #"{"identities": [{"san": "A.example", "subject": "a", "scopes": []}, {"san": "a.EXAMPLE", "subject": "b", "scopes": []}]}"#,
                "identity 1: 'a.EXAMPLE' is listed twice"
            ),
        ]
        for (json, expected) in cases {
            let found = problem(json)
            #expect(found?.contains(expected) == true, "\(json): \(found ?? "accepted")")
        }
    }
}

@Suite struct ClientIdentityFileTests {
    static func temporaryFile(_ contents: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("client-identities-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("identities.json").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func entry(_ name: String, _ subject: String, _ scopes: [String]) -> String {
        let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"identities": [{"san": "\#(name)", "subject": "\#(subject)", "scopes": [\#(list)]}]}"#
    }

    @Test func aMissingOrBadFileIsAStartUpError() throws {
        #expect(throws: ClientIdentityFile.LoadError.self) {
            try ClientIdentityFile(path: "/nonexistent/identities.json", logger: Logger(label: "test"))
        }
        let bad = try Self.temporaryFile(#"{"identities": [{"san": "a.example", "subject": "a", "scopes": ["root"]}]}"#)
        do {
            _ = try ClientIdentityFile(path: bad, logger: Logger(label: "test"))
            Issue.record("a bad file was accepted")
        } catch {
            #expect(error.description.contains(bad) && error.description.contains("has scope 'root'"))
        }
    }

    @Test func aChangedFileIsReadAgainWithoutARestart() async throws {
        let path = try Self.temporaryFile(Self.entry("feed.example", "feed", ["scores:publish"]))
        let file = try ClientIdentityFile(path: path, reloadInterval: nil, logger: Logger(label: "test"))
        #expect(file.identity(forCertificateNames: ["feed.example"])?.subject == "feed")
        try Data(Self.entry("other.example", "other", ["admin"]).utf8).write(to: URL(fileURLWithPath: path))
        // Not checked yet (every second in the background): the table in force is the one read last.
        #expect(file.identity(forCertificateNames: ["feed.example"])?.subject == "feed")
        #expect(await file.reloadIfChanged() == .reloaded)
        #expect(file.identity(forCertificateNames: ["feed.example"]) == nil)
        #expect(file.identity(forCertificateNames: ["other.example"]) == Identity(subject: "other", scopes: ["admin"]))
    }

    @Test func aBrokenOrMissingFileKeepsTheTableInForce() async throws {
        let path = try Self.temporaryFile(Self.entry("feed.example", "feed", ["scores:publish"]))
        let file = try ClientIdentityFile(path: path, reloadInterval: nil, logger: Logger(label: "test"))
        try Data("{\"identities\": [".utf8).write(to: URL(fileURLWithPath: path))
        #expect(await file.reloadIfChanged() != .reloaded)
        #expect(file.identity(forCertificateNames: ["feed.example"])?.subject == "feed")
        try FileManager.default.removeItem(atPath: path)
        #expect(await file.reloadIfChanged() != .reloaded)
        #expect(file.identity(forCertificateNames: ["feed.example"])?.subject == "feed")
    }
}

/// The interceptor's decision for calls with a client certificate (its verified names as the
/// TLS handshake leaves them on the connection), with and without a bearer token.
@Suite struct CertificateIdentityInterceptorTests {
    static let publish = MethodDescriptor(service: "courtside.v1.ScoreService", method: "PublishEvents")
    static let feedName = "spiffe://cluster/ns/courtside/sa/feed"

    struct Outcome: Equatable {
        var code: GRPCStatusCode?
        var subject: String?
    }

    /// Runs `publish` through `interceptor` as a call on a connection whose client certificate
    /// carries `names`: the refusal's code, or the subject the handler saw.
    static func call(
        _ interceptor: AuthInterceptor, names: [String], authorization: String? = nil, method: MethodDescriptor = publish
    ) async -> Outcome {
        let peer = ServerPeer(remoteAddress: "127.0.0.1:1", logger: Logger(label: "test"))
        peer.certificateNames.set(names)
        var metadata = Metadata()
        if let authorization { metadata.addString(authorization, forKey: "authorization") }
        let registered = RegisteredMethod(descriptor: method, kind: .unary, handler: .task { _, _, _ in })
        let context = ServerContext(method: registered, requestMetadata: metadata, deadline: nil, peer: peer, streamID: 1)
        let seen = Mutex<String?>(nil)
        do {
            try await interceptor.intercept(context) { seen.withLock { $0 = Identity.current?.subject } }
            return Outcome(code: nil, subject: seen.withLock { $0 })
        } catch let error as RPCError {
            return Outcome(code: error.code, subject: nil)
        } catch {
            return Outcome(code: .unknown, subject: nil)
        }
    }

    static func identities() throws -> ClientIdentityFile {
        let path = try ClientIdentityFileTests.temporaryFile(
            #"{"identities": [{"san": "\#(feedName)", "subject": "feed", "scopes": ["scores:publish"]}]}"#
        )
        return try ClientIdentityFile(path: path, logger: Logger(label: "test"))
    }

    @Test func aListedCertificateWithoutATokenGetsItsIdentity() async throws {
        let metrics = ServiceMetrics(service: "cert-test")
        let interceptor = AuthInterceptor(
            verifier: nil, clientIdentities: try Self.identities(), permissions: MethodPermissions(requireReadToken: false),
            metrics: metrics
        )
        #expect(await Self.call(interceptor, names: ["feed.other", Self.feedName]) == Outcome(code: nil, subject: "feed"))
        // Listed, but without the scope another write needs.
        let upsert = MethodDescriptor(service: "courtside.v1.ScheduleService", method: "UpsertGames")
        #expect(await Self.call(interceptor, names: [Self.feedName], method: upsert) == Outcome(code: .permissionDenied, subject: nil))
    }

    @Test func anUnknownCertificateOrNoneIsAnonymous() async throws {
        let metrics = ServiceMetrics(service: "cert-test")
        let interceptor = AuthInterceptor(
            verifier: nil, clientIdentities: try Self.identities(), permissions: MethodPermissions(requireReadToken: false),
            metrics: metrics
        )
        #expect(await Self.call(interceptor, names: ["spiffe://cluster/ns/courtside/sa/stranger"]) == Outcome(code: .unauthenticated))
        #expect(await Self.call(interceptor, names: []) == Outcome(code: .unauthenticated))
        // Without --jwks-file no token verifies, whatever the certificate.
        #expect(await Self.call(interceptor, names: [Self.feedName], authorization: "Bearer a.b.c") == Outcome(code: .unauthenticated))
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="PublishEvents",reason="unknown_client_certificate"} 1"#))
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="PublishEvents",reason="missing_token"} 1"#))
        #expect(text.contains(#"courtside_grpc_auth_refusals_total{method="PublishEvents",reason="unknown_key"} 1"#))
    }

    @Test func aBearerTokenWinsOverTheCertificate() async throws {
        var fixture = try TokenFixture()
        try await fixture.addKey("k1")
        try fixture.writeJWKS()
        let interceptor = AuthInterceptor(
            verifier: try await fixture.verifier(now: { Date() }), clientIdentities: try Self.identities(),
            permissions: MethodPermissions(requireReadToken: false), metrics: ServiceMetrics(service: "cert-test")
        )
        let reader = try await fixture.token(TokenFixture.claims(sub: "dashboard", exp: Date() + 600, scope: "scores:read"))
        let publisher = try await fixture.token(TokenFixture.claims(sub: "ops", exp: Date() + 600, scope: "scores:publish"))
        // The certificate could publish; the token cannot, and the token decides.
        #expect(await Self.call(interceptor, names: [Self.feedName], authorization: "Bearer " + reader) == Outcome(code: .permissionDenied))
        #expect(await Self.call(interceptor, names: [Self.feedName], authorization: "Bearer not-a-jwt") == Outcome(code: .unauthenticated))
        #expect(await Self.call(interceptor, names: [Self.feedName], authorization: "Bearer " + publisher) == Outcome(subject: "ops"))
        #expect(await Self.call(interceptor, names: [Self.feedName]) == Outcome(subject: "feed"))
    }
}

@Suite struct ClientIdentitySettingsTests {
    @Test func theTableNeedsClientCertificates() throws {
        #expect(throws: SettingsError.self) {
            try AuthConfiguration(reader: SettingsReader(arguments: ["--client-identities-file", "/etc/ids.json"], environment: [:]))
        }
        let configuration = try AuthConfiguration(
            reader: SettingsReader(
                arguments: ["--tls-client-ca-file", "/etc/ca.pem"], environment: ["COURTSIDE_CLIENT_IDENTITIES_FILE": "/etc/ids.json"]
            )
        )
        #expect(configuration.clientIdentitiesPath == "/etc/ids.json" && configuration.jwksPath == nil && configuration.identifiesCallers)
        // Writes are not open to anonymous callers, so a non-loopback host may start.
        try configuration.checkExposure(host: "0.0.0.0")
        _ = try AuthConfiguration(
            reader: SettingsReader(
                arguments: ["--client-identities-file", "/etc/ids.json", "--tls-client-ca-file", "/etc/ca.pem", "--require-read-token"],
                environment: [:]
            )
        )
    }

    @Test func aBadTableStopsTheServiceAtStart() async throws {
        let path = try ClientIdentityFileTests.temporaryFile(#"{"identities": "none"}"#)
        let configuration = try AuthConfiguration(
            reader: SettingsReader(arguments: ["--client-identities-file", path, "--tls-client-ca-file", "/etc/ca.pem"], environment: [:])
        )
        do {
            _ = try await configuration.interceptor(
                host: "127.0.0.1", metrics: ServiceMetrics(service: "test"), logger: Logger(label: "test"))
            Issue.record("a bad table was accepted")
        } catch let error as SettingsError {
            #expect("\(error)".contains("--client-identities-file: the client identities file \(path) is not a client identities document"))
        }
    }
}

@Suite struct ConfiguredInterceptorTests {
    /// The interceptor as a service builds it from its settings: tokens and certificates both.
    @Test func theSettingsBuildAnInterceptorThatVerifiesTokensAndCertificates() async throws {
        var fixture = try TokenFixture()
        try await fixture.addKey("k1")
        try fixture.writeJWKS()
        let identities = try ClientIdentityFileTests.temporaryFile(
            ClientIdentityFileTests.entry("feed.example", "feed", ["scores:publish"]))
        let configuration = try AuthConfiguration(
            reader: SettingsReader(
                arguments: [
                    "--jwks-file", fixture.jwksPath, "--client-identities-file", identities, "--tls-client-ca-file", "/etc/ca.pem",
                ],
                environment: [:]
            )
        )
        let built = try await configuration.interceptor(
            host: "127.0.0.1", metrics: ServiceMetrics(service: "test"), logger: Logger(label: "test"))
        let interceptor = try #require(built)
        let publisher = try await fixture.token(TokenFixture.claims(sub: "ops", exp: Date() + 600, scope: "scores:publish"))
        typealias Call = CertificateIdentityInterceptorTests
        #expect(await Call.call(interceptor, names: [], authorization: "Bearer " + publisher) == Call.Outcome(subject: "ops"))
        #expect(await Call.call(interceptor, names: ["feed.example"]) == Call.Outcome(subject: "feed"))
        #expect(await Call.call(interceptor, names: ["other.example"]) == Call.Outcome(code: .unauthenticated))
    }
}
