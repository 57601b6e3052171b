public import Auth
import Foundation

/// Why a connection token, or a request for a private game, was refused: a closed set, so that
/// it labels a metric (`courtside_bridge_connection_token_refusals_total{reason}`).
public enum ConnectionTokenRefusal: Error, Sendable, Equatable {
    /// The token itself was not accepted (its reason as the gRPC services name it).
    case token(AuthFailure)
    /// A private game was asked for without a token.
    case missingToken
    /// A valid token that does not name the private game asked for.
    case gameNotAllowed
    /// The bridge has no `--connection-jwks-file`: it accepts no token.
    case noKeys

    /// Every label value, for registering the counters up front.
    public static let reasons: [String] = [
        "missing_token", "game_not_allowed", "no_keys", AuthFailure.malformedToken.rawValue, AuthFailure.unsupportedAlgorithm.rawValue,
        AuthFailure.unknownKey.rawValue, AuthFailure.badSignature.rawValue, AuthFailure.expired.rawValue, AuthFailure.notYetValid.rawValue,
        AuthFailure.wrongAudience.rawValue, AuthFailure.wrongIssuer.rawValue,
    ]

    /// The `reason` label.
    public var reason: String {
        switch self {
        case .missingToken: "missing_token"
        case .gameNotAllowed: "game_not_allowed"
        case .noKeys: "no_keys"
        case .token(let failure): Self.reasons.contains(failure.rawValue) ? failure.rawValue : "malformed_token"
        }
    }

    /// What the client is told.
    public var message: String {
        switch self {
        case .missingToken: "these games need a connection token that names them"
        case .gameNotAllowed: "the connection token does not name these games"
        case .noKeys: "this bridge accepts no connection tokens"
        case .token(.missingToken), .token(.malformedToken): "the connection token is not a well-formed JWT"
        case .token(let failure): failure.message.replacingOccurrences(of: "the token", with: "the connection token")
        }
    }
}
