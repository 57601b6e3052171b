import CourtsideDomain
import Foundation
import Testing

@Suite struct PageTokenTests {
    @Test(arguments: [
        PageToken(scope: 0, number: 0), PageToken(scope: .max, number: .max), PageToken(scope: 7, number: 42, text: "nba-1"),
        PageToken(scope: 1 << 63, number: UInt64(bitPattern: -5), text: "é/ü+?=🏀"),
    ])
    func aTokenRoundTrips(token: PageToken) {
        let text = token.encoded
        #expect(!text.contains("+") && !text.contains("/") && !text.contains("="), "URL-safe: \(text)")
        #expect(PageToken(decoding: text) == token)
    }

    @Test func theLayoutIsVersionScopeNumberText() throws {
        let text = PageToken(scope: 0x0102_0304_0506_0708, number: 9, text: "a").encoded
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        let bytes = try #require(Data(base64Encoded: standard)).map { $0 }
        #expect(bytes == [1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9, UInt8(ascii: "a")])
    }

    @Test(arguments: [
        "", "garbage!", "AAAA", "+/==", "p1.1.2", String(repeating: "A", count: 40), "A", "AQ", "AQ=", "AQ==",
        "AQAAAAAAAAABAAAAAAAAAAI=",  // padded
        "AQAAAAAAAAABAAAAAAAAAA",  // 16 bytes: one short of a key
        "AgAAAAAAAAABAAAAAAAAAAI",  // version 2
        "AQAAAAAAAAABAAAAAAAAAAL_",  // the text is not UTF-8
        "AQAAAAAAAAABAAAAAAAAAAI\n", "AQAAAAAAAAAB AAAAAAAAAAI",
    ])
    func aGarbledOrForeignTokenIsRefused(text: String) {
        #expect(PageToken(decoding: text) == nil, "\(text)")
    }

    @Test func aTamperedTokenReadsAsAnotherKeyOrNothing() throws {
        let token = PageToken(scope: 3, number: 10, text: "game")
        var bytes = Array(token.encoded.utf8)
        // Changing one character changes what the token says: never the original key.
        for index in bytes.indices {
            let original = bytes[index]
            bytes[index] = original == UInt8(ascii: "B") ? UInt8(ascii: "C") : UInt8(ascii: "B")
            let forged = try #require(String(validating: bytes, as: UTF8.self))
            #expect(PageToken(decoding: forged) != token, "\(forged)")
            bytes[index] = original
        }
    }
}
