public import Foundation
import JWTKit
import ServiceKit

/// Issues tokens for operators and for `make run`: an ES256 private key in a PEM file, its
/// public half as a JWKS document, and signed tokens. The key id is derived from the public key
/// (the start of its x coordinate), so the JWKS and every token agree on it without storing it.
public struct TokenIssuer: Sendable {
    private let key: ES256PrivateKey
    public let keyID: String
    private let jwk: [String: String]

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the key file.
    public init(keyFile path: String) throws(Problem) {
        let pem: String
        do { pem = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Problem(description: "cannot read the key file \(path): \(error.localizedDescription)")
        }
        do { try self.init(key: ES256PrivateKey(pem: pem)) } catch let problem as Problem { throw problem } catch {
            throw Problem(description: "the key file \(path) is not an ES256 (P-256) private key in PEM: \(error)")
        }
    }

    init(key: ES256PrivateKey) throws(Problem) {
        guard let parameters = key.parameters else { throw Problem(description: "the key has no public parameters") }
        self.key = key
        keyID = "es256-" + parameters.x.prefix(16)
        jwk = ["kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": keyID, "x": parameters.x, "y": parameters.y]
    }

    /// Writes a new private key to `path` (owner-only permissions); refuses to overwrite one.
    public static func createKeyFile(at path: String) throws(Problem) {
        guard !FileManager.default.fileExists(atPath: path) else { throw Problem(description: "\(path) exists already; not overwritten") }
        let pem = ES256PrivateKey().pemRepresentation
        guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Problem(description: "cannot write the key file \(path)")
        }
    }

    /// The JWKS document of the public key, for `--jwks-file`.
    public var jwks: Data {
        (try? JSONSerialization.data(withJSONObject: ["keys": [jwk]], options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    /// A token for `subject` with `scopes`, valid from now for `lifetime`. `games` and `leagues`
    /// make it a bridge connection token for those private games (docs/auth.md).
    public func token(
        subject: String, scopes: [String], lifetime: Duration, audience: String, issuer: String,
        games: [String]? = nil, leagues: [String]? = nil, now: Date = Date()
    ) async throws -> String {
        let claims = TokenClaims(
            sub: subject, iss: issuer, aud: [audience], exp: (now + lifetime.inSeconds).timeIntervalSince1970.rounded(.down),
            nbf: now.timeIntervalSince1970.rounded(.down), scope: scopes.isEmpty ? nil : scopes.joined(separator: " "),
            games: games, leagues: leagues
        )
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: keyID))
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
    }
}
