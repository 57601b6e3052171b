import ArgumentParser
import Foundation
import GRPC
import ServiceKit

/// TLS to the services, with the same variables as the services' own clients (docs/tls.md).
struct ClientTLSOptions: ParsableArguments {
    @Option(
        help:
            "PEM CA bundle that verifies the services' certificates; when set, calls use TLS (env COURTSIDE_CLIENT_TLS_CA_FILE; default: run/tls/ca.pem when it exists)."
    )
    var clientTlsCaFile: String = GRPCClientSettings.caFile.environmentValue()

    @Option(help: "PEM client certificate for services that require one (env COURTSIDE_CLIENT_TLS_CERT_FILE).")
    var clientTlsCertFile: String = GRPCClientSettings.certificateFile.environmentValue()

    @Option(help: "PEM private key of --client-tls-cert-file (env COURTSIDE_CLIENT_TLS_KEY_FILE).")
    var clientTlsKeyFile: String = GRPCClientSettings.keyFile.environmentValue()

    @Option(help: "Name the services' certificates must carry instead of the address's host (env COURTSIDE_CLIENT_TLS_SERVER_NAME).")
    var clientTlsServerName: String = GRPCClientSettings.serverName.environmentValue()

    /// The CA bundle given, else the one `make run` writes, when it is there.
    var resolvedCaFile: String? {
        if !clientTlsCaFile.isEmpty { return clientTlsCaFile }
        return FileManager.default.isReadableFile(atPath: Self.runCaFile) ? Self.runCaFile : nil
    }

    static let runCaFile = "run/tls/ca.pem"

    /// The credentials, or nil for cleartext when no CA bundle is given or found.
    func credentials() throws -> ClientTLSCredentials? {
        guard let caFile = resolvedCaFile else {
            guard clientTlsCertFile.isEmpty, clientTlsKeyFile.isEmpty, clientTlsServerName.isEmpty else {
                throw ValidationError(
                    "--client-tls-cert-file, --client-tls-key-file and --client-tls-server-name need --client-tls-ca-file")
            }
            return nil
        }
        let files = ClientTLSFiles(
            caFile: caFile,
            certificateFile: clientTlsCertFile.isEmpty ? nil : clientTlsCertFile,
            keyFile: clientTlsKeyFile.isEmpty ? nil : clientTlsKeyFile,
            serverName: clientTlsServerName.isEmpty ? nil : clientTlsServerName
        )
        do {
            return try ClientTLSCredentials(files: files)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
