/// How a gRPC client checks its server and which certificate it presents: a CA bundle the
/// server's certificate must chain to, an optional certificate and key (mTLS), the name the
/// server's certificate must carry when it is not the host of the address, and how often the
/// files are checked for changes.
public struct ClientTLSFiles: Sendable, Hashable {
    /// PEM CA bundle that verifies servers.
    public var caFile: String
    /// PEM certificate chain presented to servers that ask for one; with `keyFile`.
    public var certificateFile: String?
    public var keyFile: String?
    /// Checked against the server's certificate instead of the address's host.
    public var serverName: String?
    /// How often the files are checked for changes; changed files apply to new connections.
    /// Zero: never (only ``ClientTLSCredentials/reloadIfChanged()``).
    public var reloadInterval: Duration

    public init(
        caFile: String, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
        reloadInterval: Duration = .seconds(5)
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.reloadInterval = reloadInterval
    }
}
