import Foundation
public import Logging
public import NIOCore
internal import NIOSSL

/// A gRPC server's TLS certificate, key and optional client CA bundle, read from files and read
/// again when they change (a ``WatchedFile`` checked every `files.reloadInterval`): new
/// connections get what the files hold now, open connections keep the certificate they were
/// served. A changed file that cannot be used is logged and the previous certificate stays.
public final class ServerTLSCredentials: Sendable {
    public typealias ReloadOutcome = WatchedFileOutcome

    public let files: ServerTLSFiles
    /// What ALPN offers: `h2` for gRPC ports, `http/1.1` for the bridge's HTTPS port.
    public let applicationProtocols: [String]
    private let watched: WatchedFile<NIOSSLContext>
    /// Failed handshakes, logged at most ``RateLimitedLog/Limit/standard`` per reason.
    let handshakeFailureLog = RateLimitedLog()

    /// Reads the files; throws, naming the file, when one is missing or unusable.
    public init(files: ServerTLSFiles, applicationProtocols: [String] = ["h2"], logger: Logger) throws(TLSSetupError) {
        self.files = files
        self.applicationProtocols = applicationProtocols
        let paths = [files.certificateFile, files.keyFile] + (files.clientCAFile.map { [$0] } ?? [])
        do {
            watched = try WatchedFile(name: "TLS certificate", paths: paths, interval: files.reloadInterval, logger: logger) { contents in
                try Self.context(contents, files: files, applicationProtocols: applicationProtocols)
            }
        } catch {
            throw TLSSetupError(error)
        }
    }

    /// What new connections are served with.
    var context: NIOSSLContext { watched.value }

    /// Checks the files now (they are also checked every `files.reloadInterval`) and, when they
    /// changed and are usable, serves them to new connections.
    @discardableResult
    public func reloadIfChanged() async -> ReloadOutcome {
        await watched.check()
    }

    /// Puts TLS first in a new connection's pipeline (an HTTP/1.1 server's; gRPC ports also
    /// check ALPN and record the client's names, below).
    public func addTLSHandler(to channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
    }

    /// Puts TLS in front of a new connection's HTTP/2 handler.
    func addHandlers(to channel: any Channel, peerNames: PeerCertificateNames, observer: (any GRPCServerObserver)?, logger: Logger) throws {
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(NIOSSLServerHandler(context: context))
        try operations.addHandler(
            ServerTLSHandshakeHandler(peerNames: peerNames, observer: observer, logger: logger, failureLog: handshakeFailureLog))
    }

    private static func context(_ contents: [Data], files: ServerTLSFiles, applicationProtocols: [String]) throws(TLSSetupError)
        -> NIOSSLContext
    {
        let chain = try TLSFileContents.certificates(Array(contents[0]), file: files.certificateFile)
        let key = try TLSFileContents.privateKey(Array(contents[1]), file: files.keyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        if let file = files.clientCAFile, contents.count > 2 {
            configuration.trustRoots = .certificates(try TLSFileContents.certificates(Array(contents[2]), file: file))
            // Clients are not named by host: the certificate's chain is what is checked.
            configuration.certificateVerification = .noHostnameVerification
        }
        return try TLSFileContents.context(configuration, files: "\(files.certificateFile) with \(files.keyFile)")
    }
}
