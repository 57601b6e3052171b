import Foundation

/// A throwaway certificate authority made with `openssl` in a temporary directory: its CA
/// certificate and the certificates it issues, as PEM files (no key is ever committed).
final class TestCertificateAuthority: Sendable {
    struct Issued: Sendable {
        let certificateFile: String
        let keyFile: String
    }

    let directory: String
    let name: String
    var certificateFile: String { "\(directory)/\(name).pem" }
    var keyFile: String { "\(directory)/\(name).key" }

    /// A new CA called `name` in a fresh temporary directory, or in `directory`.
    init(name: String = "test-ca", directory: String? = nil) throws {
        self.name = name
        self.directory = try directory ?? Self.makeTemporaryDirectory()
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=\(name)", "-keyout", keyFile, "-out", certificateFile,
        ])
    }

    /// A certificate for `subjectAlternativeNames` ("DNS:localhost", "IP:127.0.0.1",
    /// "URI:spiffe://…"), good for a server and a client, written as `<file>.pem` and `<file>.key`.
    func issue(_ file: String, subjectAlternativeNames: [String]) throws -> Issued {
        let base = "\(directory)/\(file)"
        let extensions = "\(base).ext"
        try """
        basicConstraints=CA:FALSE
        keyUsage=digitalSignature
        extendedKeyUsage=serverAuth,clientAuth
        subjectAltName=\(subjectAlternativeNames.joined(separator: ","))

        """.write(toFile: extensions, atomically: true, encoding: .utf8)
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(file)",
            "-keyout", "\(base).key", "-out", "\(base).csr",
        ])
        try Self.openssl([
            "x509", "-req", "-in", "\(base).csr", "-CA", certificateFile, "-CAkey", keyFile, "-CAcreateserial", "-days", "2",
            "-extfile", extensions, "-out", "\(base).pem",
        ])
        return Issued(certificateFile: "\(base).pem", keyFile: "\(base).key")
    }

    static func makeTemporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("courtside-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    struct OpenSSLFailed: Error, CustomStringConvertible {
        let description: String
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailed(description: "openssl \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }
}

/// Copies `source` over `destination` the way a rotation does: a new file renamed into place.
func replaceFile(_ destination: String, with source: String) throws {
    let staging = destination + ".new"
    try? FileManager.default.removeItem(atPath: staging)
    try FileManager.default.copyItem(atPath: source, toPath: staging)
    guard rename(staging, destination) == 0 else {
        throw TestCertificateAuthority.OpenSSLFailed(description: "cannot rename \(staging) to \(destination)")
    }
}
