@testable import HTTP2Transport
import Testing

@Suite struct HeaderStringCacheTests {
    private func decode(_ text: String, with cache: inout HeaderStringCache) -> String {
        Array(text.utf8).withUnsafeBytes { cache.string($0) }
    }

    @Test func decodesShortAndLongValuesExactly() {
        var cache = HeaderStringCache()
        for text in ["", "POST", "exactly15bytes!", "sixteen bytes ok", "/bench.v1.Bench/Unary", "ünïcödé header value"] {
            #expect(decode(text, with: &cache) == text)
        }
    }

    @Test func aRepeatedLongValueComesBackEqualAndADifferentOneDoesNot() {
        var cache = HeaderStringCache()
        let first = decode("/courtside.v1.ScoreService/GetSnapshots", with: &cache)
        let again = decode("/courtside.v1.ScoreService/GetSnapshots", with: &cache)
        let sameLength = decode("/courtside.v1.ScoreService/GetSnapshotz", with: &cache)
        #expect(first == again)
        #expect(sameLength == "/courtside.v1.ScoreService/GetSnapshotz")
        #expect(sameLength != first)
    }

    @Test func moreDistinctValuesThanItKeepsStillDecodeCorrectly() {
        var cache = HeaderStringCache()
        let values = (0..<40).map { "/pkg.Service/MethodNumber\($0)" }
        for round in 0..<3 {
            for value in values.shuffled() {
                #expect(decode(value, with: &cache) == value, "round \(round)")
            }
        }
    }
}
