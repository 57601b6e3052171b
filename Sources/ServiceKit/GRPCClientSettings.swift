public import GRPC
public import Logging

/// How a service (or the `courtside` CLI) reaches the other services over TLS: the CA bundle
/// their certificates chain to, its own certificate for servers that require one (mTLS), and a
/// server name when the addresses' hosts are not the names in the certificates. Without a CA
/// file the calls are cleartext h2c. The files are checked every `--tls-reload-seconds`: a
/// rotated client certificate is presented on new connections.
public enum GRPCClientSettings {
    public static let caFile = Setting.text(
        "client-tls-ca-file", default: "",
        help: "PEM CA bundle that verifies the other services' gRPC certificates; when set, calls to them use TLS."
    )
    public static let certificateFile = Setting.text(
        "client-tls-cert-file", default: "",
        help: "PEM certificate chain presented to gRPC servers that require one (with --client-tls-key-file)."
    )
    public static let keyFile = Setting.text("client-tls-key-file", default: "", help: "PEM private key of --client-tls-cert-file.")
    public static let serverName = Setting.text(
        "client-tls-server-name", default: "", help: "Name the servers' certificates must carry, instead of the host of each address."
    )

    /// The client TLS files, or nil for cleartext when no CA bundle is given.
    public static func tls(from reader: SettingsReader) throws(SettingsError) -> ClientTLSFiles? {
        let ca = try reader.read(caFile)
        let certificate = try reader.read(certificateFile)
        let key = try reader.read(keyFile)
        let name = try reader.read(serverName)
        let interval = try reader.read(GRPCServerSettings.tlsReloadInterval)
        guard certificate.isEmpty == key.isEmpty else {
            throw certificate.isEmpty
                ? reader.refuse(certificateFile, "must be set with --client-tls-key-file (got none)")
                : reader.refuse(keyFile, "must be set with --client-tls-cert-file (got none)")
        }
        guard !ca.isEmpty else {
            if !certificate.isEmpty { throw reader.refuse(caFile, "must be set with --client-tls-cert-file (got none)") }
            if !name.isEmpty { throw reader.refuse(serverName, "needs --client-tls-ca-file (got '\(name)')") }
            return nil
        }
        return ClientTLSFiles(
            caFile: ca, certificateFile: certificate.isEmpty ? nil : certificate, keyFile: key.isEmpty ? nil : key,
            serverName: name.isEmpty ? nil : name, reloadInterval: interval
        )
    }
}

/// The client TLS and the bearer token a service presents to the services it calls
/// (`--client-tls-*`, `--token-file`), opened once for all its clients.
public struct ServiceClientCredentials: Sendable {
    /// nil: cleartext h2c.
    public let tls: ClientTLSCredentials?
    /// nil: no token.
    public let token: BearerTokenFile?

    /// Opens the files. - Throws: when one is unusable.
    public init(tls: ClientTLSFiles?, tokenFile: String, logger: Logger) throws {
        self.tls = try tls.map { files in try ClientTLSCredentials(files: files, logger: logger) }
        token = try BearerTokenFile.open(tokenFile, logger: logger)
    }

    /// A client's configuration for the service `name` at `address`, with the TLS and the token.
    public func configuration(for address: String, of name: String) throws -> GRPCClient.Configuration {
        var configuration = try GRPCClient.Configuration(address: address, of: name, tls: tls)
        configuration.credentials = token
        return configuration
    }
}

extension GRPCClient.Configuration {
    /// The address of `service` with the process's client TLS, if any.
    public init(address: String, of service: String, tls: ClientTLSCredentials?) throws {
        try self.init(address: address, of: service)
        self.tls = tls
    }
}
