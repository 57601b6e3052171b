import Foundation
public import GRPC
public import Logging

/// A bearer token kept in a file (`--token-file`), presented as `authorization: Bearer <token>`
/// on every call. The file is a ``WatchedFile`` checked once a second in the background, so a
/// token rewritten (or renamed over the old file) before it expires is used without a restart,
/// and a call reads the token from memory; if the new file holds no token, the last token stays
/// in use and the problem is logged.
public final class BearerTokenFile: CallCredentials {
    /// Why the file gives no token.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    private let watched: WatchedFile<String>
    /// How often the file is checked for a new token.
    public static let reloadInterval = Duration.seconds(1)

    /// Reads the token now; throws if the file is missing, unreadable or empty. `interval` nil:
    /// only ``reloadIfChanged()`` reads the file again.
    public init(
        path: String, interval: Duration? = BearerTokenFile.reloadInterval, logger: Logger = Logger(label: "courtside.token-file")
    ) throws(Problem) {
        self.path = path
        do {
            watched = try WatchedFile(name: "bearer token", paths: [path], interval: interval, maximumBytes: 64 << 10, logger: logger) {
                contents in try Self.token(in: contents[0], path: path)
            }
        } catch {
            switch error.kind {
            case .unreadable: throw Problem(description: "cannot read the token file \(path)")
            case .tooLarge: throw Problem(description: "the token file \(error.description)")
            case .unusable: throw Problem(description: error.reason)
            }
        }
    }

    /// The settings' token file as credentials; nil when no file is given.
    public static func open(_ path: String?, logger: Logger = Logger(label: "courtside.token-file")) throws(Problem) -> BearerTokenFile? {
        guard let path, !path.isEmpty else { return nil }
        return try BearerTokenFile(path: path, logger: logger)
    }

    /// The token of the last good file: no I/O.
    public var token: String { watched.value }

    /// Checks the file now (it is also checked every second).
    @discardableResult
    public func reloadIfChanged() async -> WatchedFileOutcome {
        await watched.check()
    }

    public func metadata() throws -> Metadata {
        Metadata([("authorization", "Bearer " + token)])
    }

    private static func token(in data: Data, path: String) throws(Problem) -> String {
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, !token.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw Problem(description: "the token file \(path) does not hold one token")
        }
        return token
    }
}

/// The token file a service presents to the services it calls (docs/auth.md).
public enum ClientCredentialSettings {
    public static let tokenFile = Setting.text(
        "token-file", default: "",
        help: "File holding the bearer token sent to the services this one calls; reread when it changes. None: no token."
    )
}
