import Testing

@testable import HTTP2Transport

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

@Suite struct StreamMapTests {
    /// Random inserts, lookups and removals against a Dictionary as the reference, with ids in
    /// the patterns HTTP/2 uses (consecutive odd ids) and arbitrary ones.
    @Test(arguments: [false, true]) func behavesLikeADictionary(consecutiveOddIDs: Bool) {
        var map = StreamMap<Int>()
        var reference: [Int32: Int] = [:]
        var random = SystemRandomNumberGenerator()
        var nextID: Int32 = 1
        for step in 0..<20_000 {
            let id: Int32
            if consecutiveOddIDs {
                if Bool.random(using: &random) || reference.isEmpty {
                    id = nextID
                    nextID += 2
                } else {
                    id = reference.keys.randomElement(using: &random)!
                }
            } else {
                id = Int32.random(in: 1...4_000, using: &random)
            }
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                map[id] = step
                reference[id] = step
            case 1:
                #expect(map.removeValue(forKey: id) == reference.removeValue(forKey: id))
            default:
                #expect(map[id] == reference[id])
            }
            #expect(map.count == reference.count)
        }
        let entries = Dictionary(uniqueKeysWithValues: map.entries.map { ($0.streamID, $0.value) })
        #expect(entries == reference)
        for (id, value) in reference {
            #expect(map[id] == value)
        }
        map.removeAll()
        #expect(map.isEmpty && map[1] == nil)
    }
}

@Suite struct ReceivedHeadersTests {
    @Test func keepsFieldsInOrderAndGrowsPastItsFirstBuffer() {
        let headers = HTTP2ReceivedHeaders()
        let fields = [(":path", "/pkg.Service/Method"), ("x-big", String(repeating: "v", count: 3_000)), ("te", "trailers"), ("empty", "")]
        for round in 0..<3 {
            headers.removeAll()
            for (name, value) in fields {
                Array(name.utf8).withUnsafeBytes { nameBytes in
                    Array(value.utf8).withUnsafeBytes { valueBytes in headers.append(name: nameBytes, value: valueBytes) }
                }
            }
            #expect(headers.count == fields.count, "round \(round)")
            #expect(headers.list.map { "\($0.name)=\($0.value)" } == fields.map { "\($0.0)=\($0.1)" })
        }
    }
}
