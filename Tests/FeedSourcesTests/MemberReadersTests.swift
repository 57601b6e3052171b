import CourtsideJSON
import Testing

@testable import FeedSources

/// The readers of members found together (``JSONNode/Members``) read plain values from the
/// payload's bytes without making a node: for every kind of value, plain or not, they give what
/// the member's node gives, failures and their wording included.
@Suite struct MemberReadersTests {
    static let names = JSONDocument.MemberNames(["v", "absent"])

    /// Each value as the member `v` of an object, read both ways by `read`.
    func expectSame<T: Equatable>(
        _ values: [String], fast read: (JSONNode.Members, Int) throws(FeedError) -> T,
        node readNode: (JSONNode) throws(FeedError) -> T, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for value in values {
            let root = try JSONNode.parse(Array(#"{"w": 1, "v": \#(value)}"#.utf8))
            let members = root.members(Self.names)
            for position in [0, 1] {
                let fast = Result { () throws(FeedError) in try read(members, position) }
                let node = Result { () throws(FeedError) in try readNode(root[Self.names.names[position]]) }
                #expect(fast == node, "\(value) (\(Self.names.names[position]))", sourceLocation: sourceLocation)
            }
        }
    }

    static let numbers = [
        "0", "-0", "7", "-7", "28", "999", "1000", "2147483647", "2147483648", "-1", "999999999999999", "9999999999999999",
        "-999999999999999", "12345678901234567890", "1.0", "1.5", "1e2", "1E+2", "-0.0", "\"28\"", "\"007\"", "\" 7\"",
        "\"7 \"", "\"\"", "\"-7\"", "\"1e2\"", "\"\\u0037\"", "\"9999999999999999\"", "null", "true", "[]", "{}",
        "\"twenty\"",
    ]

    @Test func wholeNumbersAndScores() throws {
        for range: ClosedRange<Int64> in [0...Int64(Int32.max), 0...999, -5...5, Int64.min...Int64.max] {
            try expectSame(
                Self.numbers, fast: { (members, position) throws(FeedError) in try members.integer(position, in: range) },
                node: { (node) throws(FeedError) in try node.integer(in: range) })
        }
        try expectSame(
            Self.numbers, fast: { (members, position) throws(FeedError) in try members.score(position) },
            node: { (node) throws(FeedError) in try node.score() })
        try expectSame(
            Self.numbers, fast: { (members, position) throws(FeedError) in try members.period(position) },
            node: { (node) throws(FeedError) in try node.period() })
    }

    @Test func texts() throws {
        let long = String(repeating: "é", count: 600)
        let texts = [
            "\"K. Looney\"", "\"\"", "\"a\\tb\"", "\"a\\u0001b\"", "\"line\\nbreak\"", "\"\\u00e9t\\u00e9\"", "\"\(long)\"",
            "\"\(String(repeating: "x", count: 1024))\"", "\"\(String(repeating: "x", count: 1025))\"", "\"del\u{7F}ete\"",
            "\"next\u{85}line\"", "\"\u{A0}nbsp\"", "null", "12", "true", "[\"a\"]",
        ]
        try expectSame(
            texts, fast: { (members, position) throws(FeedError) in members.text(position) },
            node: { (node) throws(FeedError) in node.text })
    }

    @Test func clocksAndTimestamps() throws {
        let clocks = [
            "\"PT11M58.00S\"", "\"PT05M41.00S\"", "\"5:41\"", "\"5:41 \"", "\"\"", "\"PT13M00.00S\"", "\"PT99M00.00S\"",
            "\"0.0\"", "\"PT\\u00305M41.00S\"", "\"soon\"", "null", "341", "-1", "1e300", "true",
        ]
        for (period, league) in [(UInt32(1), "nba"), (4, "wnba"), (5, ""), (2, "mens-college-basketball")] {
            try expectSame(
                clocks, fast: { (members, position) throws(FeedError) in try members.clockMs(position, period: period, leagueID: league) },
                node: { (node) throws(FeedError) in try node.clockMs(period: period, leagueID: league) })
        }
        let timestamps = [
            "\"2020-12-23T00:23:37.9Z\"", "\"2020-12-23T00:23:37Z\"", "\"2026-10-05T23:00:00\"", "\" 2020-12-23T00:23:37Z\"",
            "\"2020-12-23T00:23:37+01:00\"", "\"2020-13-23T00:23:37Z\"", "\"yesterday\"", "\"\"", "\"2020-12-23T00:23:37\\u005a\"",
            "null", "1608683017", "false",
        ]
        try expectSame(
            timestamps, fast: { (members, position) throws(FeedError) in members.timestampMs(position) },
            node: { (node) throws(FeedError) in node.timestampMs })
    }
}
