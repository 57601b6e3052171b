public import Logging
public import NIOCore
internal import NIOSSL
import Synchronization

/// A gRPC server's TLS certificate, key and optional client CA bundle, read from files and read
/// again when they change: new connections get what the files hold now, open connections keep
/// the certificate they were served. A changed file that cannot be used is logged and the
/// previous certificate stays.
public final class ServerTLSCredentials: Sendable {
    /// What a check of the files found.
    public enum ReloadOutcome: Sendable, Equatable {
        case unchanged
        case reloaded
        /// The files changed but cannot be used (why); the previous certificate stays.
        case rejected(String)
    }

    private struct Loaded: Sendable {
        var context: NIOSSLContext
        var contents: TLSFileContents
        /// Contents already found unusable, so that a bad file is logged once, not every check.
        var rejected: TLSFileContents?
    }

    public let files: ServerTLSFiles
    /// What ALPN offers: `h2` for gRPC ports, `http/1.1` for the bridge's HTTPS port.
    public let applicationProtocols: [String]
    private let logger: Logger
    private let loaded: Mutex<Loaded>

    /// Reads the files; throws, naming the file, when one is missing or unusable.
    public init(files: ServerTLSFiles, applicationProtocols: [String] = ["h2"], logger: Logger) throws(TLSSetupError) {
        self.files = files
        self.applicationProtocols = applicationProtocols
        self.logger = logger
        let contents = try Self.read(files)
        loaded = Mutex(
            Loaded(context: try Self.context(contents, files: files, applicationProtocols: applicationProtocols), contents: contents))
    }

    /// What new connections are served with.
    var context: NIOSSLContext { loaded.withLock { $0.context } }

    /// Reads the files again and, when they changed and are usable, serves them to new connections.
    @discardableResult
    public func reloadIfChanged() -> ReloadOutcome {
        let contents: TLSFileContents
        do {
            contents = try Self.read(files)
        } catch {
            return reject(nil, error)
        }
        let known = loaded.withLock { $0.contents == contents || $0.rejected == contents }
        guard !known else { return .unchanged }
        do {
            let context = try Self.context(contents, files: files, applicationProtocols: applicationProtocols)
            loaded.withLock { $0 = Loaded(context: context, contents: contents) }
            logger.info("TLS certificate reloaded", metadata: ["certificate": "\(files.certificateFile)"])
            return .reloaded
        } catch {
            return reject(contents, error)
        }
    }

    private func reject(_ contents: TLSFileContents?, _ error: TLSSetupError) -> ReloadOutcome {
        let repeated = loaded.withLock { loaded in
            defer { loaded.rejected = contents }
            return contents != nil && loaded.rejected == contents
        }
        if !repeated {
            logger.error("TLS files changed but cannot be used; still serving the previous certificate", metadata: ["reason": "\(error)"])
        }
        return .rejected(error.description)
    }

    /// Checks the files every `files.reloadInterval` until the task is cancelled.
    public func watchFiles() async {
        while true {
            do {
                try await Task.sleep(for: files.reloadInterval)
            } catch {
                return
            }
            reloadIfChanged()
        }
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
        try operations.addHandler(ServerTLSHandshakeHandler(peerNames: peerNames, observer: observer, logger: logger))
    }

    private static func read(_ files: ServerTLSFiles) throws(TLSSetupError) -> TLSFileContents {
        try TLSFileContents.read(certificate: files.certificateFile, key: files.keyFile, authority: files.clientCAFile)
    }

    private static func context(_ contents: TLSFileContents, files: ServerTLSFiles, applicationProtocols: [String]) throws(TLSSetupError)
        -> NIOSSLContext
    {
        let chain = try TLSFileContents.certificates(contents.certificate, file: files.certificateFile)
        let key = try TLSFileContents.privateKey(contents.key, file: files.keyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        if let authority = contents.authority, let file = files.clientCAFile {
            configuration.trustRoots = .certificates(try TLSFileContents.certificates(authority, file: file))
            // Clients are not named by host: the certificate's chain is what is checked.
            configuration.certificateVerification = .noHostnameVerification
        }
        return try TLSFileContents.context(configuration, files: "\(files.certificateFile) with \(files.keyFile)")
    }
}
