import Foundation
import JWTKit
import Logging

@testable import Auth

/// Signing keys and a JWKS file of their public halves, in a temporary directory, for tests.
struct TokenFixture {
    let directory: URL
    var jwksPath: String { directory.appendingPathComponent("jwks.json").path }
    let signers = JWTKeyCollection()
    private(set) var publicKeys: [String: [String: String]] = [:]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("auth-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Adds an ES256 key under `kid`; `publish` puts it in the JWKS file.
    mutating func addKey(_ kid: String, publish: Bool = true) async throws {
        let key = ES256PrivateKey()
        await signers.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        guard let parameters = key.parameters else { throw FixtureError("no public parameters") }
        if publish {
            publicKeys[kid] = ["kty": "EC", "crv": "P-256", "alg": "ES256", "kid": kid, "x": parameters.x, "y": parameters.y]
        }
    }

    mutating func unpublish(_ kid: String) {
        publicKeys[kid] = nil
    }

    /// Writes the JWKS file with the published keys.
    func writeJWKS() throws {
        let document: [String: Any] = ["keys": publicKeys.keys.sorted().map { publicKeys[$0]! }]
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: jwksPath))
    }

    /// The JWKS entry of `kid` as JSON text (what an HMAC confusion attack uses as the secret).
    func publicKeyJSON(_ kid: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: publicKeys[kid]!, options: .sortedKeys), as: UTF8.self)
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func claims(
        sub: String? = "feed", iss: String? = "courtside", aud: [String]? = ["courtside"], exp: Date? = now + 3600, nbf: Date? = nil,
        scope: String? = "scores:publish"
    ) -> TokenClaims {
        TokenClaims(
            sub: sub, iss: iss, aud: aud, exp: exp?.timeIntervalSince1970, nbf: nbf?.timeIntervalSince1970, scope: scope
        )
    }

    func token(_ claims: TokenClaims = claims(), kid: String = "k1") async throws -> String {
        try await signers.sign(claims, kid: JWKIdentifier(string: kid))
    }

    func verifier(
        now: @escaping @Sendable () -> Date = { TokenFixture.now }, reloadInterval: Duration? = nil, cacheCapacity: Int = 10_000
    ) async throws -> TokenVerifier {
        var configuration = TokenVerifier.Configuration(jwksPath: jwksPath, audience: "courtside", issuer: "courtside")
        configuration.reloadInterval = reloadInterval
        configuration.cacheCapacity = cacheCapacity
        return try await TokenVerifier(configuration: configuration, logger: .init(label: "test"), now: now)
    }

    /// A compact JWT with any header, payload and signature text, unsigned.
    static func compact(header: [String: Any], claims: TokenClaims, signature: String) throws -> String {
        let headerText = Base64URL.encode(try JSONSerialization.data(withJSONObject: header))
        let payloadText = Base64URL.encode(try JSONEncoder().encode(claims))
        return "\(headerText).\(payloadText).\(signature)"
    }
}

struct FixtureError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
