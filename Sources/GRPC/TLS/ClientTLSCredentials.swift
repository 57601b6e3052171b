internal import NIOCore
internal import NIOSSL

/// A gRPC client's TLS set-up, read once from its files: every connection verifies the server's
/// certificate against the CA bundle and its name (the address's host, or `serverName`), offers
/// only `h2`, and presents the client certificate when one is configured.
public final class ClientTLSCredentials: Sendable {
    public let files: ClientTLSFiles
    private let context: NIOSSLContext

    /// Reads the files; throws, naming the file, when one is missing or unusable.
    public init(files: ClientTLSFiles) throws(TLSSetupError) {
        self.files = files
        let contents = try TLSFileContents.read(certificate: files.certificateFile, key: files.keyFile, authority: files.caFile)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2"]
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .certificates(try TLSFileContents.certificates(contents.authority ?? [], file: files.caFile))
        switch (files.certificateFile, files.keyFile) {
        case (let certificateFile?, let keyFile?):
            let chain = try TLSFileContents.certificates(contents.certificate, file: certificateFile)
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try TLSFileContents.privateKey(contents.key, file: keyFile))
        case (nil, nil):
            break
        default:
            throw TLSSetupError("a client certificate needs both its certificate file and its key file")
        }
        context = try TLSFileContents.context(configuration, files: files.certificateFile ?? files.caFile)
    }

    /// Puts TLS in front of a new connection to `host`.
    func addHandler(to channel: any Channel, host: String) throws {
        let name = files.serverName ?? host
        // An IP address is not a server name (SNI); the certificate is then checked against
        // the address the connection reached.
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : name))
    }
}
