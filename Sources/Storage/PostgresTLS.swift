import Foundation
internal import NIOSSL
internal import PostgresNIO

/// The postgres-nio TLS set-up for a URL's `sslmode` and `sslrootcert`. The CA bundle is read at
/// start, so that a missing or malformed one stops the service with a clear error, and then
/// watched (``PostgresStorage``): a changed bundle is what new connections verify the server with.
enum PostgresTLS {
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    /// The TLS of new connections; `rootCertificates`: the `sslrootcert` bundle's certificates
    /// (nil: the system's trust roots).
    static func configuration(for settings: StorageLocation.PostgresSettings, rootCertificates: [NIOSSLCertificate]?)
        -> PostgresClient.Configuration.TLS
    {
        tlsConfiguration(for: settings, rootCertificates: rootCertificates).map { .require($0) } ?? .disable
    }

    /// The same as swift-nio-ssl's configuration; nil for `sslmode=disable`.
    static func tlsConfiguration(for settings: StorageLocation.PostgresSettings, rootCertificates: [NIOSSLCertificate]?)
        -> TLSConfiguration?
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch settings.sslMode {
        case .disable:
            return nil
        case .require:
            tls.certificateVerification = .none
            return tls
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let rootCertificates { tls.trustRoots = .certificates(rootCertificates) }
        return tls
    }

    /// The certificates of a PEM CA bundle; throws when there is none or one is malformed.
    static func rootCertificates(pem: Data) throws -> [NIOSSLCertificate] {
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem))
        guard !certificates.isEmpty else { throw Unusable(description: "holds no PEM certificate") }
        return certificates
    }
}
