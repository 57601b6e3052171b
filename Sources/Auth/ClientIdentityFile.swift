public import Foundation
public import Logging
import ServiceKit
import Synchronization

/// The ``ClientIdentityTable`` of a `--client-identities-file`, read again when the file changes
/// (checked at most once per `reloadInterval`, on the next call that looks a certificate up), so
/// that identities are added and removed without a restart. A changed file that cannot be read
/// or used keeps the table in force and is logged once.
public final class ClientIdentityFile: Sendable {
    /// Why the file could not be used at start.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State: Sendable {
        var table: ClientIdentityTable
        var fileContents: Data
        var nextCheck: Date
    }

    public let path: String
    public let reloadInterval: Duration
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let state: Mutex<State>

    /// Reads the file; throws if it is missing or not an acceptable table.
    public init(
        path: String, reloadInterval: Duration = .seconds(1), logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) throws(LoadError) {
        self.path = path
        self.reloadInterval = reloadInterval
        self.logger = logger
        self.now = now
        let contents = try Self.read(path)
        let table: ClientIdentityTable
        do { table = try ClientIdentityTable(json: contents) } catch {
            throw LoadError(description: "the client identities file \(path) \(error.description)")
        }
        state = Mutex(State(table: table, fileContents: contents, nextCheck: now() + reloadInterval.inSeconds))
        logger.info("client certificate identities loaded", metadata: ["file": "\(path)", "names": "\(table.count)"])
    }

    /// The identity of the first of a verified certificate's `names` that the table lists.
    public func identity(forCertificateNames names: [String]) -> Identity? {
        reloadIfChanged(at: now())
        return state.withLock { $0.table }.identity(forCertificateNames: names)
    }

    private func reloadIfChanged(at now: Date) {
        let due = state.withLock { state in
            guard now >= state.nextCheck else { return false }
            state.nextCheck = now + reloadInterval.inSeconds
            return true
        }
        guard due else { return }
        let contents: Data
        do { contents = try Self.read(path) } catch {
            logger.error(
                "client certificate identities not reloaded; the previous ones stay in force", metadata: ["reason": "\(error.description)"])
            return
        }
        guard state.withLock({ $0.fileContents != contents }) else { return }
        do {
            let table = try ClientIdentityTable(json: contents)
            state.withLock { state in
                state.table = table
                state.fileContents = contents
            }
            logger.info("client certificate identities reloaded", metadata: ["file": "\(path)", "names": "\(table.count)"])
        } catch {
            // Remembered, so that the same bad file is reported once, not every second.
            state.withLock { $0.fileContents = contents }
            logger.error(
                "client certificate identities not reloaded; the previous ones stay in force",
                metadata: ["file": "\(path)", "reason": "\(error.description)"]
            )
        }
    }

    private static func read(_ path: String) throws(LoadError) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LoadError(description: "cannot read the client identities file \(path): \(error.localizedDescription)")
        }
    }
}
