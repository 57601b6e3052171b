/// Where a gRPC server's TLS certificate, key and (for mTLS) client CA bundle are, and how often
/// they are checked for changes.
public struct ServerTLSFiles: Sendable, Hashable {
    /// PEM certificate chain, the server's own certificate first.
    public var certificateFile: String
    /// PEM private key of the first certificate.
    public var keyFile: String
    /// PEM CA bundle; when set, clients must present a certificate it signed.
    public var clientCAFile: String?
    /// How often the files are checked for changes; changed files apply to new connections.
    /// Zero: never (only ``ServerTLSCredentials/reloadIfChanged()``).
    public var reloadInterval: Duration

    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil, reloadInterval: Duration = .seconds(5)) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        self.reloadInterval = reloadInterval
    }
}
