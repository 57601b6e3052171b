internal import NIOSSL

/// The parsing every TLS set-up shares (the files are read by ``WatchedFile``).
enum TLSFileContents {
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
