public import Foundation
import JWTKit

/// The public keys of a JWKS document that tokens may be signed with: ES256 (P-256), EdDSA
/// (Ed25519) and RS256 keys, each with a `kid` and an `alg`. Anything else in the document
/// (an HMAC `oct` key, a private key, a key without `kid` or `alg`) refuses the whole document,
/// so that a mistake is found when the file is written, not when a token fails.
public struct KeySet: Sendable {
    /// The algorithms a token may use; `none` and every HMAC algorithm are not among them.
    public static let acceptedAlgorithms: Set<String> = ["ES256", "EdDSA", "RS256"]

    /// The algorithm of each key, by its `kid`.
    public let algorithms: [String: String]
    let keys: JWTKeyCollection

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses a JWKS document (`{"keys": [...]}`).
    public init(jwks data: Data) async throws(Problem) {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch { throw Problem("is not JSON: \(error.localizedDescription)") }
        guard let object = root as? [String: Any], let entries = object["keys"] as? [Any] else {
            throw Problem("is not a JWKS document (an object with a \"keys\" array)")
        }
        guard !entries.isEmpty else { throw Problem("has no keys") }
        let collection = JWTKeyCollection()
        var algorithms: [String: String] = [:]
        for (index, entry) in entries.enumerated() {
            let (kid, algorithm, jwk) = try Self.key(entry, index: index)
            guard algorithms[kid] == nil else { throw Problem("key \(index): kid '\(kid)' appears twice") }
            do { try await collection.add(jwk: jwk) } catch { throw Problem("key \(index) (kid '\(kid)'): \(error)") }
            algorithms[kid] = algorithm
        }
        self.algorithms = algorithms
        self.keys = collection
    }

    private static func key(_ entry: Any, index: Int) throws(Problem) -> (kid: String, algorithm: String, jwk: JWK) {
        guard let fields = entry as? [String: Any] else { throw Problem("key \(index) is not an object") }
        guard let kid = fields["kid"] as? String, !kid.isEmpty else { throw Problem("key \(index) has no kid") }
        guard let algorithm = fields["alg"] as? String else { throw Problem("key '\(kid)' has no alg (one of ES256, EdDSA, RS256)") }
        guard acceptedAlgorithms.contains(algorithm) else {
            throw Problem("key '\(kid)' has alg '\(algorithm)'; only ES256, EdDSA and RS256 are accepted")
        }
        let keyType = fields["kty"] as? String
        let curve = fields["crv"] as? String
        switch algorithm {
        case "ES256":
            guard keyType == "EC", curve == "P-256" else { throw Problem("key '\(kid)': ES256 needs kty EC and crv P-256") }
        case "EdDSA":
            guard keyType == "OKP", curve == "Ed25519" else { throw Problem("key '\(kid)': EdDSA needs kty OKP and crv Ed25519") }
        default:
            guard keyType == "RSA" else { throw Problem("key '\(kid)': RS256 needs kty RSA") }
        }
        for privatePart in ["d", "p", "q", "dp", "dq", "qi"] where fields[privatePart] != nil {
            throw Problem("key '\(kid)' contains private key material ('\(privatePart)'); the JWKS holds public keys only")
        }
        do {
            let json = try JSONSerialization.data(withJSONObject: fields)
            return (kid, algorithm, try JWK(json: String(decoding: json, as: UTF8.self)))
        } catch {
            throw Problem("key '\(kid)' is not a valid JWK: \(error)")
        }
    }
}
