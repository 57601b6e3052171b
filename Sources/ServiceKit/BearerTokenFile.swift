import Foundation
public import GRPC
import Synchronization

/// A bearer token kept in a file (`--token-file`), presented as `authorization: Bearer <token>`
/// on every call. The file is read again when a call starts at least a second after the last
/// read, so a token rewritten before it expires is used without a restart; if the file cannot
/// be read then, the last token stays in use.
public final class BearerTokenFile: CallCredentials {
    /// Why the file gives no token.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    private struct State {
        var token: String
        var nextRead: ContinuousClock.Instant
    }
    private let state: Mutex<State>
    private static let rereadInterval = Duration.seconds(1)

    /// Reads the token now; throws if the file is missing, unreadable or empty.
    public init(path: String) throws(Problem) {
        self.path = path
        state = Mutex(State(token: try Self.read(path), nextRead: .now + Self.rereadInterval))
    }

    /// The settings' token file as credentials; nil when no file is given.
    public static func open(_ path: String?) throws(Problem) -> BearerTokenFile? {
        guard let path, !path.isEmpty else { return nil }
        return try BearerTokenFile(path: path)
    }

    public var token: String {
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard now >= state.nextRead else { return false }
            state.nextRead = now + Self.rereadInterval
            return true
        }
        if due, let fresh = try? Self.read(path) {
            state.withLock { $0.token = fresh }
        }
        return state.withLock { $0.token }
    }

    public func metadata() throws -> Metadata {
        Metadata([("authorization", "Bearer " + token)])
    }

    private static func read(_ path: String) throws(Problem) -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Problem(description: "cannot read the token file \(path): \(error.localizedDescription)")
        }
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
