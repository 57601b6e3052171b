import Foundation
public import GRPC
public import Logging
import ServiceKit

/// The ``ClientIdentityTable`` of a `--client-identities-file`, a ``WatchedFile`` checked every
/// `reloadInterval` in the background, so that identities are added and removed without a
/// restart while a call looks a certificate up in memory. A changed file that cannot be read or
/// used keeps the table in force and is logged once.
public final class ClientIdentityFile: Sendable {
    /// Why the file could not be used at start.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    public let reloadInterval: Duration?
    private let watched: WatchedFile<ClientIdentityTable>

    /// Reads the file; throws if it is missing or not an acceptable table. `reloadInterval`
    /// nil: only ``reloadIfChanged()`` reads the file again.
    public init(path: String, reloadInterval: Duration? = .seconds(1), logger: Logger) throws(LoadError) {
        self.path = path
        self.reloadInterval = reloadInterval
        do {
            watched = try WatchedFile(name: "client certificate identities", paths: [path], interval: reloadInterval, logger: logger) {
                contents in try ClientIdentityTable(json: contents[0])
            }
        } catch {
            switch error.kind {
            case .unreadable, .tooLarge: throw LoadError(description: "cannot read the client identities file \(error.description)")
            case .unusable: throw LoadError(description: "the client identities file \(path) \(error.reason)")
            }
        }
        logger.info("client certificate identities loaded", metadata: ["file": "\(path)", "names": "\(watched.value.count)"])
    }

    /// The identity of the first of a verified certificate's `names` that the table lists.
    public func identity(forCertificateNames names: [String]) -> Identity? {
        watched.value.identity(forCertificateNames: names)
    }

    /// Checks the file now (it is also checked every `reloadInterval`).
    @discardableResult
    public func reloadIfChanged() async -> WatchedFileOutcome {
        await watched.check()
    }
}
