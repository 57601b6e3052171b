internal import NIOSSL
import Synchronization

/// The subject alternative names (DNS and URI) of the certificate a client presented and the
/// server verified; empty for cleartext connections and clients without a certificate. Set once,
/// when the TLS handshake completes (before any call of the connection starts).
final class PeerCertificateNames: Sendable {
    private let storage = Mutex<[String]>([])

    var names: [String] { storage.withLock { $0 } }

    func set(_ names: [String]) {
        storage.withLock { $0 = names }
    }

    /// The DNS and URI names of `certificate`, in the certificate's order.
    static func names(in certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name in
            guard name.nameType == .dnsName || name.nameType == .uri else { return nil }
            return String(decoding: name.contents, as: UTF8.self)
        }
    }
}
