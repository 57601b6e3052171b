import Foundation
public import Logging
internal import NIOCore
internal import NIOSSL

/// A gRPC client's TLS set-up, read from its files and read again when they change (a
/// ``WatchedFile`` checked every `files.reloadInterval`): every new connection verifies the
/// server's certificate against the CA bundle and its name (the address's host, or
/// `serverName`), offers only `h2`, and presents the client certificate the files hold now
/// (mTLS), so a rotated client certificate reaches new connections without a restart; open
/// connections keep the one they presented. A changed file that cannot be used is logged and the
/// previous set-up stays.
public final class ClientTLSCredentials: Sendable {
    public let files: ClientTLSFiles
    private let watched: WatchedFile<NIOSSLContext>

    /// Reads the files; throws, naming the file, when one is missing or unusable.
    public init(files: ClientTLSFiles, logger: Logger = Logger(label: "courtside.tls")) throws(TLSSetupError) {
        self.files = files
        var paths = [files.caFile]
        switch (files.certificateFile, files.keyFile) {
        case (let certificateFile?, let keyFile?):
            paths += [certificateFile, keyFile]
        case (nil, nil):
            break
        default:
            throw TLSSetupError("a client certificate needs both its certificate file and its key file")
        }
        do {
            watched = try WatchedFile(name: "client TLS certificate", paths: paths, interval: files.reloadInterval, logger: logger) {
                contents in try Self.context(contents, files: files)
            }
        } catch {
            throw TLSSetupError(error)
        }
    }

    /// Checks the files now (they are also checked every `files.reloadInterval`) and, when they
    /// changed and are usable, uses them for new connections.
    @discardableResult
    public func reloadIfChanged() async -> WatchedFileOutcome {
        await watched.check()
    }

    /// Puts TLS in front of a new connection to `host`.
    func addHandler(to channel: any Channel, host: String) throws {
        let name = files.serverName ?? host
        // An IP address is not a server name (SNI); the certificate is then checked against
        // the address the connection reached.
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        try channel.pipeline.syncOperations.addHandler(
            NIOSSLClientHandler(context: watched.value, serverHostname: isAddress ? nil : name))
    }

    private static func context(_ contents: [Data], files: ClientTLSFiles) throws(TLSSetupError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2"]
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .certificates(try TLSFileContents.certificates(Array(contents[0]), file: files.caFile))
        if let certificateFile = files.certificateFile, let keyFile = files.keyFile, contents.count == 3 {
            let chain = try TLSFileContents.certificates(Array(contents[1]), file: certificateFile)
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try TLSFileContents.privateKey(Array(contents[2]), file: keyFile))
        }
        return try TLSFileContents.context(configuration, files: files.certificateFile ?? files.caFile)
    }
}
