import Foundation
import GRPC
import JWTKit
import Logging
import Testing

@testable import Auth

@Suite struct TokenVerifierTests {
    private func fixture() async throws -> TokenFixture {
        var fixture = try TokenFixture()
        try await fixture.addKey("k1")
        try fixture.writeJWKS()
        return fixture
    }

    private func refusal(_ token: String, by verifier: TokenVerifier) async -> AuthFailure? {
        do {
            _ = try await verifier.identity(forToken: token)
            return nil
        } catch {
            return error
        }
    }

    @Test func aValidTokenGivesItsSubjectAndScopes() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let identity = try await verifier.identity(forToken: try await fixture.token(TokenFixture.claims(scope: "scores:publish admin")))
        #expect(identity == Identity(subject: "feed", scopes: ["scores:publish", "admin"]))
    }

    @Test func theGamesAndLeaguesClaimsAndTheExpiryAreReadForConnectionTokens() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        var claims = TokenFixture.claims(exp: TokenFixture.now + 600, scope: nil)
        claims.games = ["G1", "G2"]
        claims.leagues = ["premium"]
        let verified = try await verifier.verify(try await fixture.token(claims))
        #expect(verified.games == ["G1", "G2"] && verified.leagues == ["premium"])
        #expect(verified.expiresAt == TokenFixture.now + 600)
        // The cached answer is the same, claims included.
        #expect(try await verifier.verify(try await fixture.token(claims)) == verified)
        let plain = try await verifier.verify(try await fixture.token(TokenFixture.claims()))
        #expect(plain.games.isEmpty && plain.leagues.isEmpty)
    }

    @Test func everyBadClaimIsRefusedWithItsReason() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let now = TokenFixture.now
        let cases: [(TokenClaims, AuthFailure)] = [
            (TokenFixture.claims(exp: now - 120), .expired),
            (TokenFixture.claims(nbf: now + 120), .notYetValid),
            (TokenFixture.claims(aud: ["someone-else"]), .wrongAudience),
            (TokenFixture.claims(aud: nil), .wrongAudience),
            (TokenFixture.claims(iss: "mallory"), .wrongIssuer),
            (TokenFixture.claims(iss: nil), .wrongIssuer),
            (TokenFixture.claims(exp: nil), .malformedToken),
            (TokenFixture.claims(sub: nil), .malformedToken),
        ]
        for (claims, reason) in cases {
            #expect(await refusal(try await fixture.token(claims), by: verifier) == reason, "\(claims)")
        }
    }

    @Test func theClockSkewIsSmallAndBothWays() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let now = TokenFixture.now
        #expect(await refusal(try await fixture.token(TokenFixture.claims(exp: now - 10)), by: verifier) == nil)
        #expect(await refusal(try await fixture.token(TokenFixture.claims(nbf: now + 10)), by: verifier) == nil)
        #expect(await refusal(try await fixture.token(TokenFixture.claims(exp: now - 31)), by: verifier) == .expired)
    }

    @Test func aTokenSignedByAnotherKeyUnderAKnownKidIsABadSignature() async throws {
        var fixture = try await fixture()
        let verifier = try await fixture.verifier()
        var other = try TokenFixture()
        try await other.addKey("k1")
        #expect(await refusal(try await other.token(), by: verifier) == .badSignature)
        // A tampered payload under a genuine signature.
        let genuine = try await fixture.token().split(separator: ".")
        let forged = try TokenFixture.compact(
            header: ["alg": "ES256", "kid": "k1"], claims: TokenFixture.claims(scope: "admin"), signature: String(genuine[2]))
        #expect(await refusal(forged, by: verifier) == .badSignature)
        try await fixture.addKey("k2", publish: false)
        #expect(await refusal(try await fixture.token(kid: "k2"), by: verifier) == .unknownKey)
    }

    @Test func algNoneIsRefused() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        for algorithm in ["none", "None", "NONE"] {
            let token = try TokenFixture.compact(header: ["alg": algorithm, "kid": "k1"], claims: TokenFixture.claims(), signature: "")
            #expect(await refusal(token, by: verifier) == .unsupportedAlgorithm)
        }
    }

    @Test func hmacSignedWithThePublicKeyIsRefused() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let secret = try fixture.publicKeyJSON("k1")
        for (algorithm, digest) in [("HS256", DigestAlgorithm.sha256), ("HS384", .sha384), ("HS512", .sha512)] {
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: secret), digestAlgorithm: digest, kid: "k1")
            let token = try await hmac.sign(TokenFixture.claims(), kid: "k1")
            #expect(await refusal(token, by: verifier) == .unsupportedAlgorithm, "\(algorithm)")
        }
        // A token claiming another accepted algorithm than its key's.
        let mismatched = try TokenFixture.compact(header: ["alg": "RS256", "kid": "k1"], claims: TokenFixture.claims(), signature: "AAAA")
        #expect(await refusal(mismatched, by: verifier) == .unsupportedAlgorithm)
    }

    @Test func malformedTokensAreRefused() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.!!.!!", String(repeating: "a", count: 9000)] {
            #expect(await refusal(token, by: verifier) == .malformedToken, "\(token.prefix(20))")
        }
        let noKid = try TokenFixture.compact(header: ["alg": "ES256"], claims: TokenFixture.claims(), signature: "AAAA")
        #expect(await refusal(noKid, by: verifier) == .unknownKey)
    }

    @Test func aHeaderNamingAMemberTwiceIsMalformed() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let payload = Base64URL.encode(try JSONEncoder().encode(TokenFixture.claims()))
        for header in [#"{"alg":"ES256","kid":"k1","alg":"HS256"}"#, #"{"alg":"ES256","kid":"k1","kid":"k2"}"#] {
            let token = "\(Base64URL.encode(Data(header.utf8))).\(payload).AAAA"
            #expect(await refusal(token, by: verifier) == .malformedToken, "\(header)")
        }
        // The same header without the second member is read as before.
        let single = "\(Base64URL.encode(Data(#"{"alg":"ES256","kid":"k1"}"#.utf8))).\(payload).AAAA"
        #expect(await refusal(single, by: verifier) == .badSignature)
    }

    /// Signed claims with numbers at the edges of `Double`: verify never traps, and each gets the
    /// outcome the claims table of docs/auth.md gives it.
    @Test(
        arguments: [
            (1e300, nil, nil),  // far future: accepted
            (1.8446744073709552e19, nil, nil),  // 2^64 seconds: accepted
            (-1e300, nil, AuthFailure.expired),
            (TokenFixture.now.timeIntervalSince1970 + 3600, 1e300, AuthFailure.notYetValid),
            (TokenFixture.now.timeIntervalSince1970 + 3600, -1e300, nil),  // valid since long ago: accepted
        ] as [(Double, Double?, AuthFailure?)])
    func hostileExpAndNbfHaveTheirDocumentedOutcome(exp: Double, nbf: Double?, outcome: AuthFailure?) async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let claims = TokenFixture.claims(exp: Date(timeIntervalSince1970: exp), nbf: nbf.map { Date(timeIntervalSince1970: $0) })
        let token = try await fixture.token(claims)
        #expect(await refusal(token, by: verifier) == outcome)
        if outcome == nil {
            let verified = try await verifier.verify(token)
            #expect(verified.expiresAt == Date(timeIntervalSince1970: exp))
            // The cached answer is the same.
            #expect(try await verifier.verify(token) == verified)
        }
    }

    @Test func aGamesClaimOfThousandsOfIdsIsReadOrRefusedBySizeWithoutTrapping() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        // ~1,500 ids do not fit the 8192-byte bound: refused unread, as malformed.
        var many = TokenFixture.claims(exp: TokenFixture.now + 600, scope: nil)
        many.games = (0..<1500).map { "G\($0)" }
        let large = try await fixture.token(many)
        #expect(large.utf8.count > BearerToken.maximumBytes)
        #expect(await refusal(large, by: verifier) == .malformedToken)
        // As many ids as fit are all read.
        var fitting = TokenFixture.claims(exp: TokenFixture.now + 600, scope: nil)
        fitting.games = (0..<900).map { "\($0)" }
        let token = try await fixture.token(fitting)
        #expect(token.utf8.count <= BearerToken.maximumBytes)
        #expect(try await verifier.verify(token).games == Set((0..<900).map { "\($0)" }))
    }

    @Test func keysRotateByKidWithoutARestart() async throws {
        var fixture = try await fixture()
        let verifier = try await fixture.verifier()
        let oldToken = try await fixture.token(kid: "k1")
        #expect(await refusal(oldToken, by: verifier) == nil)
        try await fixture.addKey("k2")
        try fixture.writeJWKS()
        // Until the file is checked (every second in the background), the keys in force stay.
        #expect(await refusal(try await fixture.token(kid: "k2"), by: verifier) == .unknownKey)
        #expect(await verifier.reloadIfChanged() == .reloaded)
        #expect(await refusal(try await fixture.token(kid: "k2"), by: verifier) == nil)
        fixture.unpublish("k1")
        try fixture.writeJWKS()
        #expect(await verifier.reloadIfChanged() == .reloaded)
        // Cached from before, but the removed key's tokens stop at once.
        #expect(await refusal(oldToken, by: verifier) == .unknownKey)
        #expect(verifier.keyIDs == ["k2"])
    }

    @Test func aBrokenJWKSFileKeepsTheKeysInForce() async throws {
        let fixture = try await fixture()
        let verifier = try await fixture.verifier()
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: fixture.jwksPath))
        guard case .rejected = await verifier.reloadIfChanged() else {
            Issue.record("a broken JWKS file was not rejected")
            return
        }
        #expect(await refusal(try await fixture.token(), by: verifier) == nil)
        #expect(verifier.keyIDs == ["k1"])
    }

    @Test func aCachedTokenStillExpires() async throws {
        let fixture = try await fixture()
        let clock = TestClock(TokenFixture.now)
        let verifier = try await fixture.verifier(now: { clock.now })
        let token = try await fixture.token(TokenFixture.claims(exp: TokenFixture.now + 60))
        #expect(await refusal(token, by: verifier) == nil)
        clock.now = TokenFixture.now + 95
        #expect(await refusal(token, by: verifier) == .expired)
    }
}

@Suite struct KeySetTests {
    private func problem(_ json: String) async -> String? {
        do {
            _ = try await KeySet(jwks: Data(json.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func hmacPrivateAndUnlabelledKeysRefuseTheFile() async throws {
        var fixture = try TokenFixture()
        try await fixture.addKey("k1")
        let good = try fixture.publicKeyJSON("k1")
        #expect(await problem("{\"keys\": [\(good)]}") == nil)
        #expect(await problem("{\"keys\": []}") == "has no keys")
        #expect(await problem("[]")?.contains("not a JWKS document") == true)
        #expect(await problem(#"{"keys": [{"kty": "oct", "alg": "HS256", "kid": "h", "k": "c2VjcmV0"}]}"#)?.contains("HS256") == true)
        #expect(await problem(#"{"keys": [{"kty": "EC", "crv": "P-256", "alg": "none", "kid": "n"}]}"#)?.contains("'none'") == true)
        let withoutAlg = good.replacingOccurrences(of: "\"alg\":\"ES256\",", with: "")
        #expect(await problem("{\"keys\": [\(withoutAlg)]}")?.contains("no alg") == true)
        let withPrivate = good.replacingOccurrences(of: "\"alg\"", with: "\"d\":\"AAAA\",\"alg\"")
        #expect(await problem("{\"keys\": [\(withPrivate)]}")?.contains("private key material") == true)
        #expect(await problem("{\"keys\": [\(good), \(good)]}")?.contains("appears twice") == true)
    }

    @Test func eddsaAndRSAKeysAreAccepted() async throws {
        let eddsa = try EdDSA.PrivateKey(curve: .ed25519)
        let x = Base64URL.encode(eddsa.publicKey.rawRepresentation)
        #expect(await problem(#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": "e", "x": "\#(x)"}]}"#) == nil)
        #expect(await problem(#"{"keys": [{"kty": "EC", "crv": "Ed25519", "alg": "EdDSA", "kid": "e", "x": "\#(x)"}]}"#) != nil)
    }
}

/// A settable clock for the verifier.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ value: Date) { self.value = value }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

@Suite struct TokenIssuerTests {
    @Test func anIssuedTokenVerifiesAgainstTheIssuersJWKS() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("issuer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keyPath = directory.appendingPathComponent("key.pem").path
        try TokenIssuer.createKeyFile(at: keyPath)
        #expect(throws: TokenIssuer.Problem.self) { try TokenIssuer.createKeyFile(at: keyPath) }
        let issuer = try TokenIssuer(keyFile: keyPath)
        let jwksPath = directory.appendingPathComponent("jwks.json").path
        try issuer.jwks.write(to: URL(fileURLWithPath: jwksPath))
        let verifier = try await TokenVerifier(
            configuration: .init(jwksPath: jwksPath, audience: "courtside", issuer: "courtside"), logger: .init(label: "test")
        )
        let token = try await issuer.token(
            subject: "ops", scopes: ["admin", "scores:read"], lifetime: .seconds(3600), audience: "courtside", issuer: "courtside")
        #expect(try await verifier.identity(forToken: token) == Identity(subject: "ops", scopes: ["admin", "scores:read"]))
        let elsewhere = try await issuer.token(
            subject: "ops", scopes: ["admin"], lifetime: .seconds(3600), audience: "other", issuer: "courtside")
        await #expect(throws: AuthFailure.wrongAudience) { try await verifier.identity(forToken: elsewhere) }
        #expect(verifier.keyIDs == [issuer.keyID])
        let connection = try await issuer.token(
            subject: "fan", scopes: [], lifetime: .seconds(600), audience: "courtside", issuer: "courtside", games: ["G1"],
            leagues: ["wnba"]
        )
        let verified = try await verifier.verify(connection)
        #expect(verified.games == ["G1"] && verified.leagues == ["wnba"] && verified.identity.scopes.isEmpty)
    }
}
