internal import NIOCore
internal import NIOSSL

/// Why a TLS handshake on a gRPC port failed: the closed set of a metric label.
public enum TLSHandshakeFailure: String, CaseIterable, Sendable {
    /// The client did not negotiate HTTP/2 through ALPN.
    case alpn
    /// The client presented no certificate, or one the client CA bundle does not verify.
    case clientCertificate = "client_certificate"
    /// The client closed the connection before the handshake finished.
    case closed
    /// Anything else: not TLS at all, no shared version or cipher, a malformed message.
    case `protocol`

    /// The failure an error from the TLS handler stands for.
    init(_ error: any Error) {
        if case NIOSSLError.uncleanShutdown = error {
            self = .closed
        } else if let error = error as? ChannelError, error == .eof || error == .ioOnClosedChannel {
            self = .closed
        } else if "\(error)".uppercased().contains("CERTIFICATE") {
            // BoringSSL's reasons: PEER_DID_NOT_RETURN_A_CERTIFICATE, CERTIFICATE_VERIFY_FAILED.
            self = .clientCertificate
        } else {
            self = .protocol
        }
    }
}
