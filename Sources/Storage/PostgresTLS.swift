internal import NIOSSL
internal import PostgresNIO

/// The postgres-nio TLS set-up for a URL's `sslmode` and `sslrootcert`, with the CA file read at
/// start so that a missing or malformed one stops the service with a clear error.
enum PostgresTLS {
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    static func configuration(for settings: StorageLocation.PostgresSettings) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch settings.sslMode {
        case .disable:
            return .disable
        case .require:
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let file = settings.sslRootCertificateFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(file)
            } catch {
                throw Unusable(description: "sslrootcert '\(file)' cannot be used: \(error)")
            }
            guard !certificates.isEmpty else { throw Unusable(description: "sslrootcert '\(file)' holds no PEM certificate") }
            tls.trustRoots = .certificates(certificates)
        }
        return .require(tls)
    }
}
