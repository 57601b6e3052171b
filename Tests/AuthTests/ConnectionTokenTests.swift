import Foundation
import GRPCWire
import Testing

@testable import Auth
@testable import GRPC

/// The last token a connection accepted (`ConnectionToken`, in the connection's slot): a call
/// sending the same bytes is decided from it, and everything that decides a token still decides
/// it there: the expiry at every call, a changed key file, another token.
@Suite struct ConnectionTokenTests {
    typealias Setup = SynchronousInterceptionTests.Setup

    static func bearer(_ fixture: TokenFixture, sub: String = "feed", exp: TimeInterval = 600) async throws -> String {
        "Bearer " + (try await fixture.token(TokenFixture.claims(sub: sub, exp: TokenFixture.now + exp)))
    }

    @Test func bytesMatchOnlyWhenTheLengthAndEveryByteAreTheSame() throws {
        let accepted = TokenVerifier.AcceptedToken(
            verified: VerifiedToken(identity: Identity(subject: "feed", scopes: []), expiresAt: TokenFixture.now),
            acceptedUntil: TokenFixture.now, keyVersion: 0
        )
        // Lengths around the 8-byte words the comparison reads, so that the tail is covered too.
        for length in [1, 7, 8, 9, 16, 17, 278] {
            let token = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let kept = ConnectionToken(Substring(token), accepted: accepted)
            #expect(kept.matches(Substring(token)))
            // A prefix or an extension of the same bytes is another token.
            #expect(!kept.matches(Substring(token.dropLast())))
            #expect(!kept.matches(Substring(token + "a")))
            #expect(!kept.matches(Substring(token + "\0")))
            #expect(!kept.matches(""))
            // One byte different anywhere: first, last, in the middle.
            for position in Set([0, length / 2, length - 1]) {
                var bytes = Array(token.utf8)
                bytes[position] ^= 0x01
                #expect(!kept.matches(Substring(String(decoding: bytes, as: UTF8.self))), "length \(length), byte \(position)")
            }
            // A slice of a longer value, as the interceptor has it.
            let value = "Bearer " + token + "  "
            #expect(kept.matches(BearerToken.token(inAuthorization: value)!))
        }
    }

    @Test func theSlotDecidesLaterCallsOfItsConnectionOnly() async throws {
        let fixture = try await SynchronousInterceptionTests.fixture()
        // A cache of one token: the second connection's token pushes the first one's out of it.
        let first = try await Setup.make(fixture, cacheCapacity: 1)
        let second = first.anotherConnection()
        let feed = try await Self.bearer(fixture, sub: "feed")
        let dash = try await Self.bearer(fixture, sub: "dash")
        #expect(await first.callAsynchronously(feed) == .handled(subject: "feed", noted: true))
        #expect(first.connectionToken != nil && second.connectionToken == nil)
        #expect(await second.callAsynchronously(dash) == .handled(subject: "dash", noted: true))
        // `feed` is no longer in the verifier's cache: the first connection still knows it, the
        // second has to verify it.
        #expect(first.interceptor.verifier!.cachedVerdict(forToken: Substring(feed.dropFirst(7))) == .unknown)
        #expect(first.callAtOnce(feed) == .handled(subject: "feed", noted: true))
        #expect(second.callAtOnce(feed) == .undecided)
        #expect(second.callAtOnce(dash) == .handled(subject: "dash", noted: true))
    }

    @Test func aTokenThatExpiresMidConnectionIsRefusedAtTheNextCall() async throws {
        let fixture = try await SynchronousInterceptionTests.fixture()
        let setup = try await Setup.make(fixture)
        let bearer = try await Self.bearer(fixture, exp: 60)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        #expect(setup.connectionToken != nil)
        // Accepted until exp plus the clock skew (30 s), then refused, call after call.
        setup.clock.advance(89.5)
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        setup.clock.advance(0.5)
        #expect(setup.callAtOnce(bearer) == .refused(.unauthenticated, "the token has expired"))
        #expect(await setup.callAsynchronously(bearer) == .refused(.unauthenticated, "the token has expired"))
        #expect(setup.callAtOnce(bearer) == .refused(.unauthenticated, "the token has expired"))
        #expect(setup.refusalCounts == [#"courtside_grpc_auth_refusals_total{method="PublishEvents",reason="expired"} 3"#])
    }

    @Test func aChangedKeyFileIsCheckedBeforeTheSlotIsUsedAgain() async throws {
        var fixture = try await SynchronousInterceptionTests.fixture()
        let setup = try await Setup.make(fixture)
        let bearer = try await Self.bearer(fixture)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        // A key added: the file's version changed, so the token is verified again (still good),
        // and decided at once from then on.
        try await fixture.addKey("k2")
        try fixture.writeJWKS()
        #expect(await setup.interceptor.verifier!.reloadIfChanged() == .reloaded)
        #expect(setup.callAtOnce(bearer) == .undecided)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        #expect(setup.callAtOnce(bearer) == .handled(subject: "feed", noted: true))
        // The token's key withdrawn: the slot still holds the token, and it decides nothing.
        fixture.unpublish("k1")
        try fixture.writeJWKS()
        #expect(await setup.interceptor.verifier!.reloadIfChanged() == .reloaded)
        #expect(setup.connectionToken != nil)
        #expect(setup.callAtOnce(bearer) == .undecided)
        #expect(await setup.callAsynchronously(bearer) == .refused(.unauthenticated, "the token's key id is not a known key"))
        #expect(setup.callAtOnce(bearer) == .undecided)
    }

    @Test func anotherTokenOnTheSameConnectionIsVerifiedAndARefusedOneReplacesNothing() async throws {
        let fixture = try await SynchronousInterceptionTests.fixture()
        let setup = try await Setup.make(fixture)
        let feed = try await Self.bearer(fixture, sub: "feed")
        let other = try await Self.bearer(fixture, sub: "othr")
        #expect(feed.utf8.count == other.utf8.count)
        #expect(await setup.callAsynchronously(feed) == .handled(subject: "feed", noted: true))
        // Same length, other bytes: verified, never taken for the last one.
        #expect(setup.callAtOnce(other) == .undecided)
        #expect(await setup.callAsynchronously(other) == .handled(subject: "othr", noted: true))
        #expect(setup.callAtOnce(other) == .handled(subject: "othr", noted: true))
        // Back to the first: from the verifier's cache, and kept for the next call again.
        #expect(setup.callAtOnce(feed) == .handled(subject: "feed", noted: true))
        #expect(setup.connectionToken?.matches(Substring(feed.dropFirst(7))) == true)
        // The last token with a byte changed in its signature, or cut short, or extended: each
        // is another token, verified and refused; the slot keeps the good one.
        var flipped = Array(feed.utf8)
        flipped[flipped.count - 2] = flipped[flipped.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        for forged in [String(decoding: flipped, as: UTF8.self), String(feed.dropLast()), feed + "A"] {
            #expect(setup.callAtOnce(forged) == .undecided)
            #expect(await setup.callAsynchronously(forged) == .refused(.unauthenticated, "the token's signature does not verify"))
        }
        #expect(setup.connectionToken?.matches(Substring(feed.dropFirst(7))) == true)
        #expect(setup.callAtOnce(feed) == .handled(subject: "feed", noted: true))
    }

    @Test func aVerifierThatCachesNothingDecidesNothingFromTheSlot() async throws {
        let fixture = try await SynchronousInterceptionTests.fixture()
        let setup = try await Setup.make(fixture, cacheCapacity: 0)
        let bearer = try await Self.bearer(fixture)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
        #expect(setup.callAtOnce(bearer) == .undecided)
        #expect(await setup.callAsynchronously(bearer) == .handled(subject: "feed", noted: true))
    }
}
