import Foundation
internal import NIOSSL

/// The bytes of PEM files as last read, so that a reload can tell whether anything changed, and
/// the parsing every TLS set-up shares.
struct TLSFileContents: Equatable, Sendable {
    var certificate: [UInt8]
    var key: [UInt8]
    var authority: [UInt8]?

    /// Reads the files; nil paths stay nil.
    static func read(certificate: String?, key: String?, authority: String?) throws(TLSSetupError) -> TLSFileContents {
        TLSFileContents(
            certificate: try certificate.map(readFile) ?? [],
            key: try key.map(readFile) ?? [],
            authority: try authority.map(readFile)
        )
    }

    static func readFile(_ path: String) throws(TLSSetupError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSSetupError("\(path): cannot be read")
        }
        return Array(data)
    }

    /// Every certificate in a PEM file (a chain or a CA bundle); at least one.
    static func certificates(_ bytes: [UInt8], file: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw TLSSetupError("\(file): not a PEM certificate file (\(error))")
        }
        guard !certificates.isEmpty else { throw TLSSetupError("\(file): holds no PEM certificate") }
        return certificates
    }

    static func privateKey(_ bytes: [UInt8], file: String) throws(TLSSetupError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw TLSSetupError("\(file): not a PEM private key (\(error))")
        }
    }

    static func context(_ configuration: TLSConfiguration, files: String) throws(TLSSetupError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("\(files): \(error)")
        }
    }
}
