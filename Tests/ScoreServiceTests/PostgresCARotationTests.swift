import Foundation
import GRPC
import Logging
import NIOSSL
import PostgresNIO
import TestSupport
import Testing

@testable import Storage

/// The `sslrootcert` CA bundle is watched: when the file changes, new connections verify the
/// server with the new bundle (a new pool), and a bundle that cannot be used keeps the previous
/// one. Against the TLS-only server of scripts/with-postgres (`sslmode=verify-full`).
@Suite struct PostgresCARotationTests {
    /// The test server's settings, with its CA copied to a file of this test's own.
    static func settings(directory: String) throws -> (StorageLocation.PostgresSettings, caFile: String, serverCA: Data) {
        guard case .postgres(var settings) = try Backend.postgres.location(), let ca = settings.sslRootCertificateFile,
            settings.sslMode == .verifyFull || settings.sslMode == .verifyCA
        else {
            throw TestSetupError(
                "COURTSIDE_TEST_POSTGRES_URL has no sslmode=verify-… with an sslrootcert (scripts/with-postgres sets both)")
        }
        let serverCA = try Data(contentsOf: URL(fileURLWithPath: ca))
        let caFile = directory + "/ca.pem"
        try serverCA.write(to: URL(fileURLWithPath: caFile))
        settings.sslRootCertificateFile = caFile
        return (settings, caFile, serverCA)
    }

    /// A CA certificate the test server's certificate does not chain to (openssl, as with-postgres).
    static func unrelatedCA(in directory: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=unrelated-ca", "-keyout", directory + "/unrelated.key", "-out", directory + "/unrelated.pem",
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSetupError("openssl could not make a CA") }
        return try Data(contentsOf: URL(fileURLWithPath: directory + "/unrelated.pem"))
    }

    /// Opens one connection with `tls` (as a pool's connection would) and closes it; throws when
    /// it cannot be opened. Returns false for a configuration without a CA bundle (not tried).
    static func connectOnce(_ settings: StorageLocation.PostgresSettings, tls: TLSConfiguration?) async throws -> Bool {
        guard let configuration = tls, case .certificates = configuration.trustRoots else { return false }
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                database: settings.database, tls: .require(try NIOSSLContext(configuration: configuration))
            ),
            id: 1, logger: Logger(label: "ca-rotation-test")
        )
        try await connection.close()
        return true
    }

    static func selectOne(_ storage: PostgresStorage) async throws -> Int {
        var logger = Logger(label: "ca-rotation-test")
        logger.logLevel = .critical
        var result = 0
        for try await value in try await storage.client.query("SELECT 1", logger: logger).decode(Int.self) { result = value }
        return result
    }

    @Test func aChangedCABundleIsWhatNewConnectionsVerifyTheServerWith() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (settings, caFile, serverCA) = try Self.settings(directory: directory)
        let storage = try await PostgresStorage(settings, migrations: [], logger: Logger(label: "ca-rotation-test"), caCheckInterval: nil)
        defer { storage.shutdown() }
        let first = storage.client
        #expect(try await Self.selectOne(storage) == 1)

        // A file that is no CA bundle: refused, the bundle in force and its pool stay.
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: caFile))
        guard case .rejected(_) = await storage.reloadRootCertificatesIfChanged() else {
            Issue.record("a malformed bundle was not rejected")
            return
        }
        #expect(storage.client === first)
        #expect(try await Self.selectOne(storage) == 1)

        // A CA the server's certificate does not chain to: a new pool, whose connections refuse
        // the server. (Connected to once with the pool's TLS: the pool itself would retry with
        // backoff for a minute before failing the query.)
        try Self.unrelatedCA(in: directory).write(to: URL(fileURLWithPath: caFile))
        #expect(await storage.reloadRootCertificatesIfChanged() == .reloaded)
        #expect(storage.client !== first)
        await #expect(throws: (any Error).self) { try await Self.connectOnce(settings, tls: storage.connectionTLS) }
        #expect(try await Self.connectOnce(settings, tls: PostgresTLS.tlsConfiguration(for: settings, rootCertificates: nil)) == false)

        // The server's CA back: connections verify again, through another new pool.
        let refused = storage.client
        try serverCA.write(to: URL(fileURLWithPath: caFile))
        #expect(await storage.reloadRootCertificatesIfChanged() == .reloaded)
        #expect(storage.client !== refused && storage.client !== first)
        #expect(try await Self.connectOnce(settings, tls: storage.connectionTLS))
        #expect(try await Self.selectOne(storage) == 1)
    }

    @Test func theRetiredPoolClosesAfterTheConfiguredGrace() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pg-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var (settings, caFile, serverCA) = try Self.settings(directory: directory)
        settings.retiredPoolGrace = .seconds(1)
        let storage = try await PostgresStorage(settings, migrations: [], logger: Logger(label: "ca-rotation-test"), caCheckInterval: nil)
        defer { storage.shutdown() }
        #expect(try await Self.selectOne(storage) == 1)

        // The same CA, written again with a comment line: a changed file, so a new pool.
        try (Data("# rotated\n".utf8) + serverCA).write(to: URL(fileURLWithPath: caFile))
        #expect(await storage.reloadRootCertificatesIfChanged() == .reloaded)
        _ = storage.client  // the swap: the previous pool retires now
        let retired = ContinuousClock.now
        #expect(storage.retiredPoolsOpen == 1)
        #expect(try await Self.selectOne(storage) == 1)
        try await waitFor("the retired pool to close", timeout: .seconds(10)) { storage.retiredPoolsOpen == 0 }
        #expect(ContinuousClock.now - retired >= .seconds(1))
    }
}
