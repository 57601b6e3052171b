public import GRPCWire

/// Why a call was refused: a closed set, so that it can label a metric.
public enum AuthFailure: String, Error, Sendable, CaseIterable {
    case missingToken = "missing_token"
    /// No token, and a verified client certificate whose names the client identities table does not list.
    case unknownClientCertificate = "unknown_client_certificate"
    case malformedToken = "malformed_token"
    case unsupportedAlgorithm = "unsupported_algorithm"
    case unknownKey = "unknown_key"
    case badSignature = "bad_signature"
    case expired
    case notYetValid = "not_yet_valid"
    case wrongAudience = "wrong_audience"
    case wrongIssuer = "wrong_issuer"
    case missingScope = "missing_scope"
    case notOwner = "not_owner"

    /// UNAUTHENTICATED for credentials that are missing or not valid, PERMISSION_DENIED for a
    /// valid identity that may not do this.
    public var code: GRPCStatusCode {
        switch self {
        case .missingScope, .notOwner: .permissionDenied
        default: .unauthenticated
        }
    }

    /// What the client is told (never anything about the key set).
    public var message: String {
        switch self {
        case .missingToken: "this method needs a bearer token in the authorization metadata"
        case .unknownClientCertificate: "the client certificate is not one of the known identities; this method needs a bearer token"
        case .malformedToken: "the bearer token is not a well-formed JWT"
        case .unsupportedAlgorithm: "the token's algorithm is not accepted (ES256, EdDSA or RS256 only)"
        case .unknownKey: "the token's key id is not a known key"
        case .badSignature: "the token's signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .wrongAudience: "the token is not meant for this service (audience)"
        case .wrongIssuer: "the token's issuer is not trusted"
        case .missingScope: "the token does not grant the scope this method needs"
        case .notOwner: "the durable subscription belongs to another identity"
        }
    }

    public var rpcError: RPCError { RPCError(code, message) }
}
