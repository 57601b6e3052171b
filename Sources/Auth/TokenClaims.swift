import JWTKit

/// The claims of a bearer token that Courtside reads. Checked by ``TokenVerifier`` against its
/// own clock and settings, after jwt-kit has verified the signature.
struct TokenClaims: JWTPayload {
    var sub: String?
    var iss: String?
    var aud: [String]?
    var exp: Double?
    var nbf: Double?
    /// Space-separated scopes (RFC 8693).
    var scope: String?
    /// Connection tokens of the bridge: the games and leagues they may follow.
    var games: [String]?
    var leagues: [String]?

    private enum CodingKeys: String, CodingKey {
        case sub, iss, aud, exp, nbf, scope, games, leagues
    }

    init(
        sub: String?, iss: String?, aud: [String]?, exp: Double?, nbf: Double?, scope: String?, games: [String]? = nil,
        leagues: [String]? = nil
    ) {
        self.sub = sub
        self.iss = iss
        self.aud = aud
        self.exp = exp
        self.nbf = nbf
        self.scope = scope
        self.games = games
        self.leagues = leagues
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sub = try container.decodeIfPresent(String.self, forKey: .sub)
        iss = try container.decodeIfPresent(String.self, forKey: .iss)
        // `aud` is one string or an array of them (RFC 7519 §4.1.3).
        if let single = try? container.decodeIfPresent(String.self, forKey: .aud) {
            aud = [single]
        } else {
            aud = try container.decodeIfPresent([String].self, forKey: .aud)
        }
        exp = try container.decodeIfPresent(Double.self, forKey: .exp)
        nbf = try container.decodeIfPresent(Double.self, forKey: .nbf)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        games = try container.decodeIfPresent([String].self, forKey: .games)
        leagues = try container.decodeIfPresent([String].self, forKey: .leagues)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(sub, forKey: .sub)
        try container.encodeIfPresent(iss, forKey: .iss)
        try container.encodeIfPresent(aud, forKey: .aud)
        try container.encodeIfPresent(exp, forKey: .exp)
        try container.encodeIfPresent(nbf, forKey: .nbf)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encodeIfPresent(games, forKey: .games)
        try container.encodeIfPresent(leagues, forKey: .leagues)
    }

    /// The signature is all jwt-kit checks; the claims are checked by the verifier.
    func verify(using _: some JWTAlgorithm) async throws {}
}
