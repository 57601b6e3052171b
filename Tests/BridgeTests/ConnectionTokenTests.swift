import Auth
import Bridge
import Foundation
import ServiceKit
import Testing

/// Private games and connection tokens: which games a connection may follow, the expiry timer,
/// the `token` message, the settings.
@Suite struct ConnectionTokenTests {
    private let access = GameAccess(privateGames: ["P1", "P2"])

    private func grant(_ games: Set<String>, expiresAtMs: Int64 = 1_000_000) -> ConnectionGrant {
        ConnectionGrant(subject: "user-1", games: games, expiresAtMs: expiresAtMs)
    }

    @Test func publicGamesNeedNoToken() {
        #expect(access.allows("PUBLIC", league: "nba", grant: nil))
        #expect(access.refused(["PUBLIC", "OTHER"], grant: nil) == [])
        #expect(GameAccess(privateGames: []).isOpen)
        #expect(!access.isOpen)
    }

    @Test func aPrivateGameNeedsATokenThatNamesIt() {
        #expect(!access.allows("P1", league: "nba", grant: nil))
        #expect(!access.allows("P1", league: "nba", grant: grant(["P2"])))
        #expect(access.allows("P1", league: "nba", grant: grant(["P1"])))
        #expect(access.allows("P2", league: "nba", grant: grant([ConnectionGrant.everyGame])))
        #expect(access.refused(["P2", "PUBLIC", "P1", "P2"], grant: nil) == ["P1", "P2"])
        #expect(access.refused(["P2", "PUBLIC", "P1"], grant: grant(["P1"])) == ["P2"])
    }

    @Test func aGrantTakesTheVerifiedTokensClaimsAndAnExpiryInRange() {
        let identity = Identity(subject: "user-9", scopes: [])
        let token = VerifiedToken(
            identity: identity, expiresAt: Date(timeIntervalSince1970: 1_800_000_000.5), games: ["P1"], leagues: ["premium"])
        let grant = ConnectionGrant(token)
        #expect(grant == ConnectionGrant(subject: "user-9", games: ["P1"], leagues: ["premium"], expiresAtMs: 1_800_000_000_500))
        // Any number a claim may hold stays a protocol integer (no trap on conversion).
        #expect(
            ConnectionGrant(VerifiedToken(identity: identity, expiresAt: Date(timeIntervalSince1970: 1e300))).expiresAtMs
                == 9_007_199_254_740_991)
        #expect(ConnectionGrant(VerifiedToken(identity: identity, expiresAt: Date(timeIntervalSince1970: -5))).expiresAtMs == 0)
    }

    @Test func theLifetimeAsksOnceAtExpThenClosesAfterTheGrace() {
        var lifetime = TokenLifetime(expiresAtMs: 10_000, graceMs: 2_000)
        #expect(lifetime.check(nowMs: 9_999) == .none)
        #expect(lifetime.check(nowMs: 10_000) == .refresh)
        #expect(lifetime.check(nowMs: 10_500) == .none)
        #expect(lifetime.msUntilClose(nowMs: 10_500) == 1_500)
        #expect(lifetime.check(nowMs: 11_999) == .none)
        #expect(lifetime.check(nowMs: 12_000) == .expire)
    }

    @Test func aNewTokenStartsTheCountAgain() {
        var lifetime = TokenLifetime(expiresAtMs: 10_000, graceMs: 2_000)
        #expect(lifetime.check(nowMs: 10_100) == .refresh)
        lifetime.renew(expiresAtMs: 20_000)
        #expect(lifetime.check(nowMs: 12_000) == .none)
        #expect(lifetime.check(nowMs: 20_000) == .refresh)
        #expect(lifetime.check(nowMs: 22_000) == .expire)
    }

    @Test func anAlreadyExpiredTokenIsAskedToRefreshAtOnceAndAFarExpiryDoesNotOverflow() {
        var expired = TokenLifetime(expiresAtMs: 5_000, graceMs: 1_000)
        #expect(expired.check(nowMs: 5_500) == .refresh)
        var far = TokenLifetime(expiresAtMs: Int64.max - 1, graceMs: 10_000)
        #expect(far.closesAtMs == Int64.max)
        #expect(far.check(nowMs: 1_000) == .none)
    }

    @Test func theTokenMessageIsValidated() throws {
        let decoded = try ClientMessageDecoder.decode(Array(#"{"type":"token","token":"a.b.c","id":"t1"}"#.utf8)).get()
        #expect(decoded == .token("a.b.c", id: "t1"))
        for text in [
            #"{"type":"token"}"#, #"{"type":"token","token":""}"#, #"{"type":"token","token":7}"#,
            #"{"type":"token","token":"a","extra":1}"#,
        ] {
            guard case .failure(let error) = ClientMessageDecoder.decode(Array(text.utf8)) else {
                Issue.record("accepted \(text)")
                continue
            }
            #expect(error.code == .badRequest)
        }
        let long = String(repeating: "x", count: 8193)
        guard case .failure(let error) = ClientMessageDecoder.decode(Array(#"{"type":"token","token":"\#(long)"}"#.utf8)) else {
            Issue.record("accepted a token of 8193 bytes")
            return
        }
        #expect(error.code == .badRequest)
    }

    @Test func everyRefusalHasALabelOfTheClosedSet() {
        for failure in AuthFailure.allCases {
            #expect(ConnectionTokenRefusal.reasons.contains(ConnectionTokenRefusal.token(failure).reason))
        }
        for refusal in [ConnectionTokenRefusal.missingToken, .gameNotAllowed, .noKeys] {
            #expect(ConnectionTokenRefusal.reasons.contains(refusal.reason))
        }
        #expect(ConnectionTokenRefusal.token(.expired).message == "the connection token has expired")
    }

    @Test func privateGamesNeedTheKeysAndValidIds() throws {
        let configuration = try BridgeConfiguration(
            reader: SettingsReader(arguments: ["--private-games", "P1,P2", "--connection-jwks-file", "/keys.json"], environment: [:])
        )
        #expect(configuration.privateGames == ["P1", "P2"] && configuration.connectionJWKSFile == "/keys.json")
        #expect(configuration.connectionTokenAudience == "courtside-bridge" && configuration.connectionTokenGrace == .seconds(10))
        #expect(throws: SettingsError("--private-games needs --connection-jwks-file (without keys no browser could follow them)")) {
            try BridgeConfiguration(reader: SettingsReader(arguments: ["--private-games", "P1"], environment: [:]))
        }
        #expect(throws: SettingsError.self) {
            try BridgeConfiguration(
                reader: SettingsReader(arguments: ["--private-games", "bad,id:", "--connection-jwks-file", "/k"], environment: [:])
            )
        }
    }
}
