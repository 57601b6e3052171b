import CourtsideJSON
import Foundation

/// The header of a compact JWT, read before any key is touched: the algorithm must be one the
/// key set accepts and the key id one of its keys, with that same algorithm (so that a token
/// claiming HS256 is never checked against a public key used as an HMAC secret).
struct TokenHeader {
    let algorithm: String
    let keyID: String

    /// The header is read by the hardened parser: a member named twice (`{"alg":"ES256","alg":"HS256"}`)
    /// makes it malformed, so that no two readers can see different algorithms.
    static let parserOptions = JSONParserOptions(maximumDepth: 32)

    /// `token` is at most ``BearerToken/maximumBytes`` long (the verifier checks it first).
    init(token: String) throws(AuthFailure) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]) else { throw .malformedToken }
        let header: JSONValue
        do { header = try JSONParser.parse(Array(headerData), options: Self.parserOptions) } catch { throw .malformedToken }
        guard case .object = header else { throw .malformedToken }
        guard case .string(let algorithm)? = header["alg"], KeySet.acceptedAlgorithms.contains(algorithm) else {
            throw .unsupportedAlgorithm
        }
        guard !parts[2].isEmpty else { throw .badSignature }
        guard case .string(let keyID)? = header["kid"] else { throw .unknownKey }
        self.algorithm = algorithm
        self.keyID = keyID
    }
}

/// base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
