import CourtsideDomain
import CourtsideJSON
import CourtsideProto
import Testing

@testable import FeedSources

/// The shared readers: clocks, timestamps, JSON (dates and team names: CourtsideDomainTests).
@Suite struct ParsingHelpersTests {
    @Test(arguments: [
        ("PT11M58.00S", 718_000), ("PT05M41.00S", 341_000), ("PT00M35.00S", 35_000), ("PT00M04.50S", 4_500),
        ("PT45.2S", 45_200), ("PT12M", 720_000), ("PT12M00S", 720_000), ("5:41", 341_000), ("05:41", 341_000),
        ("12:00", 720_000), ("3:37 ", 217_000), (" 0:04.5", 4_500), ("0.0", 0), ("42.1", 42_100), ("492.0", 492_000),
    ])
    func clocks(text: String, milliseconds: Int) {
        #expect(GameClock.parse(text) == UInt32(milliseconds))
    }

    @Test func clocksAreReadExactlyAsTheirDecimalText() {
        // Seconds with up to three decimals are read as whole thousandths, not through a String
        // and Double(_:): the same milliseconds as the text's double in every case, beyond too.
        func viaDouble(minutes: Int, seconds: String) -> UInt32 {
            UInt32(((Double(minutes) * 60 + Double(seconds)!) * 1000).rounded())
        }
        for minutes in [0, 1, 5, 11, 12] {
            for whole in [0, 4, 9, 35, 58, 59] {
                for fraction in ["", ".0", ".5", ".1", ".25", ".05", ".00", ".125", ".999", ".001", ".1234", ".0005", ".9995"] {
                    let seconds = (whole < 10 ? "0" : "") + "\(whole)" + fraction
                    let expected = viaDouble(minutes: minutes, seconds: seconds)
                    #expect(GameClock.parse("PT\(minutes)M\(seconds)S") == expected, "PT\(minutes)M\(seconds)S")
                    #expect(GameClock.parse("\(minutes):\(seconds)") == expected, "\(minutes):\(seconds)")
                    if minutes == 0 { #expect(GameClock.parse(seconds) == expected, "\(seconds)") }
                }
            }
        }
        // Shapes left to Double(_:), as before.
        #expect(GameClock.parse("5.") == 5_000 && GameClock.parse(".5") == 500 && GameClock.parse("0:4.") == 4_000)
        #expect(GameClock.parse("1.2.3") == nil && GameClock.parse(".") == nil && GameClock.parse("PT.S") == nil)
    }

    @Test func aClockInAPayloadIsReadAsItsTextIs() throws {
        // From the payload's bytes when it has no escapes; a failure is worded from its text.
        let strings = [
            #""PT11M58.00S""#, #""PT11M58.00\u0053""#, #""5:41 ""#, #"" 0:04.5""#, #""""#, #""  ""#, #""42.1""#,
        ]
        for string in strings {
            let node = try JSONNode.parse(Array("[\(string)]".utf8)).array()[0]
            let text = try #require(node.stringValue)
            #expect(try node.clockMs(period: 1) == GameClock.parse(text), "\(string)")
        }
        // Hostile clocks read from the bytes: as many digits as the reader's bounds allow and one
        // more, in every shape; each is refused (unreadable or beyond a period), never trapped.
        for text in [
            "99999999", "123456789", "PT99999999S", "PT9999M59S", "PT99999M", "9999:59", "0:99999999", "0:59.9999999",
            "99999999.9", String(repeating: "9", count: 40), "PT" + String(repeating: "9", count: 40) + "S",
        ] {
            let node = try JSONNode.parse(Array("[\"\(text)\"]".utf8)).array()[0]
            #expect(throws: FeedError.self, "\(text)") { try node.clockMs(period: 4) }
        }
        let root = try JSONNode.parse(Array(#"{"long":"PT12M00.00S","bad":"5:4a","escaped":"5:4\u0061"}"#.utf8))
        #expect(try root["long"].clockMs(period: 4) == 720_000)
        for (key, reason) in [
            ("long", #"long: clock "PT12M00.00S" is longer than period 5"#), ("bad", #"bad: unreadable game clock "5:4a""#),
            ("escaped", #"escaped: unreadable game clock "5:4a""#),
        ] {
            do {
                _ = try root[key].clockMs(period: 5)
                Issue.record("\(key) was read")
            } catch {
                #expect(error.reason == reason)
            }
        }
    }

    @Test(arguments: ["", "  ", "PT", "PTxM", "5:61", "abc", "-1:00", "1:2:3", "PT5M3", "99999:00", "5:4a"])
    func unreadableClocks(text: String) {
        #expect(GameClock.parse(text) == nil)
    }

    @Test func periodArithmetic() {
        #expect(GameClock.periodLengthMs(1) == 720_000 && GameClock.periodLengthMs(4) == 720_000)
        #expect(GameClock.periodLengthMs(5) == 300_000 && GameClock.periodLengthMs(7) == 300_000)
        #expect(GameClock.elapsedMs(period: 1, clockMs: 720_000) == 0)
        #expect(GameClock.elapsedMs(period: 4, clockMs: 0) == 48 * 60_000)
        #expect(GameClock.elapsedMs(period: 6, clockMs: 0) == 58 * 60_000)
        #expect(PeriodNames.name(of: 2) == "2nd quarter" && PeriodNames.name(of: 5) == "overtime")
        #expect(PeriodNames.name(of: 7) == "3rd overtime" && PeriodNames.ordinal(11) == "11th")
    }

    @Test(arguments: [
        ("2020-12-23T00:06:19.0Z", Int64(1_608_681_979_000)),
        ("2024-01-09T00:10:36Z", 1_704_759_036_000),
        ("2016-01-29T01:10:35+00:00", 1_454_029_835_000),
        ("2020-12-22T19:00:00-05:00", 1_608_681_600_000),
        ("2025-05-30T00:00Z", 1_748_563_200_000),
        ("2020-12-23T00:00:00.123Z", 1_608_681_600_123),
    ])
    func timestamps(text: String, millis: Int64) {
        #expect(Timestamps.parseISO8601(text) == millis)
    }

    @Test(arguments: ["", "2020-13-01T00:00Z", "2020-12-23", "yesterday", "2020-12-23T25:00Z", "2020-12-23T00:00:00+5"])
    func badTimestamps(text: String) {
        #expect(Timestamps.parseISO8601(text) == nil)
    }

    /// Hostile timestamps: every number is read a fixed number of digits at a time, the fraction
    /// only to milliseconds however long it runs, and the extremes stay far from overflow.
    @Test func hostileTimestampsAreRefusedOrReadWithoutOverflow() {
        let longFraction = "2020-12-23T00:00:00." + String(repeating: "9", count: 100_000) + "Z"
        #expect(Timestamps.parseISO8601(longFraction) == 1_608_681_600_999)
        #expect(Timestamps.parseISO8601("9999-12-31T23:59:60.999-23:59") == 253_402_387_140_999)
        #expect(Timestamps.parseISO8601("0000-01-01T00:00+23:59") == -62_167_305_540_000)
        for text in [
            "2020-12-23T00:00:00.Z", "2020-12-23T00:00:00Zjunk", "2020-12-23T00:00:00+", "2020-12-23T00:00:00-05:",
            "2020-12-23T00:00:00*05:00", "2020-12-23T00:00:00+24:00", "99999-12-23T00:00Z", "2020-12-23T00:00:0",
            "2020-1-23T00:00Z", "2020-12-23T00:00:61Z", "２０２０-12-23T00:00Z", String(repeating: "2", count: 100_000),
        ] {
            #expect(Timestamps.parseISO8601(text) == nil, "\(text.prefix(40))")
        }
    }

    @Test func aTimestampInAPayloadIsReadAsItsTextIs() throws {
        // Read from the payload's bytes when it has no escapes and nothing to trim; the same
        // answer as its decoded text's in every case (the second of each pair has an escape).
        let strings = [
            #""2020-12-23T00:06:19.0Z""#, #""\u0032020-12-23T00:06:19.0Z""#, #"" 2024-01-09T00:10:36Z""#,
            #""2024-01-09T00:10:36Z\t""#, #""2024-01-09T00:10:36Z\r\n""#, #""\r\n2024-01-09T00:10:36Z""#,
            #""2016-01-29T01:10:35+00:00""#, #""""#, #"" ""#, #""yesterday""#, #""2020-12-23T25:00Z""#, #""2020-12-23""#,
        ]
        for string in strings {
            let node = try JSONNode.parse(Array("[\(string)]".utf8)).array()[0]
            let text = try #require(node.stringValue)
            #expect(node.timestampMs == Timestamps.parseISO8601(text) ?? 0, "\(string)")
        }
        #expect(try JSONNode.parse(Array(#"[1, null]"#.utf8)).array().map(\.timestampMs) == [0, 0])
        #expect(try JSONNode.parse(Array(#"{}"#.utf8))["wallclock"].timestampMs == 0)
        #expect(try JSONNode.parse(Array(#"[" 2024-01-09T00:10:36Z"]"#.utf8)).array()[0].timestampMs == 1_704_759_036_000)
    }

    @Test func payloadsThatAreNotJSONAreRefusedInTheirCategory() throws {
        // The parser itself is tested in CourtsideJSONTests; here, how the feed names failures.
        func zeros(_ count: Int) -> [UInt8] { Array(("[" + Array(repeating: "0", count: count).joined(separator: ",") + "]").utf8) }
        let values = JSONParserOptions.providerPayload.maximumValues
        #expect(Self.category { try JSONNode.parse(zeros(values - 1)) } == nil)
        #expect(Self.category { try JSONNode.parse(zeros(values)) } == .tooLarge)
        func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        let depth = JSONParserOptions.providerPayload.maximumDepth
        #expect(Self.category { try JSONNode.parse(nested(depth)) } == nil)
        #expect(Self.category { try JSONNode.parse(nested(depth + 1)) } == .tooLarge)
        #expect(Self.category { try JSONNode.parse(Array("[1,".utf8)) } == .truncated)
        #expect(Self.category { try JSONNode.parse(Array("tru".utf8)) } == .truncated)
        #expect(Self.category { try JSONNode.parse(Array("<html>".utf8)) } == .malformed)
        #expect(Self.category { try JSONNode.parse(Array("1e999".utf8)) } == .malformed)
        #expect(Self.category { try JSONNode.parse([]) } == .empty)
        #expect(Self.category { try JSONNode.parse(Array(" \n ".utf8)) } == .empty)
        do {
            _ = try JSONNode.parse(Array(#"{"a": [1, 2"#.utf8))
            Issue.record("a truncated payload was accepted")
        } catch {
            #expect(error.reason == "invalid JSON: the payload ends early after 11 bytes (truncated?)")
        }
        do {
            _ = try JSONNode.parse(Array("[1] x".utf8))
            Issue.record("trailing data was accepted")
        } catch {
            #expect(error.reason == "invalid JSON at byte 4 of 5: unexpected text after the JSON value")
        }
        // A byte order mark is tolerated, and the last of duplicate names counts.
        let root = try JSONNode.parse([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8))
        #expect(try root["a"].number() == 3)
        #expect(root["b"].found == "a number")
        #expect(root["c"].found == "nothing")
    }

    /// The category of the error `body` throws, or nil when it throws none.
    static func category(_ body: () throws -> JSONNode) -> FeedError.Category? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? FeedError)?.category
        }
    }

    @Test func hostileNumbersAreRefusedNotTrapped() throws {
        let root = try JSONNode.parse(
            Array(
                #"""
                {"2^63": 9223372036854775808, "big": 9.3e18, "huge": 1e308, "low": -9.3e18, "tiny": 5e-324, "half": 1.5,
                 "nan": "NaN", "inf": "-Infinity", "hex": "0x10", "arabic": "١٢", "halfText": "1.5", "spaced": "1 2",
                 "exp": "1e2", "lead": "007", "padded": " 12 ", "negZero": "-0"}
                """#.utf8))
        for key in ["2^63", "big", "huge", "low", "tiny", "half", "nan", "inf", "hex", "arabic", "halfText", "spaced"] {
            // 2^63 passes `<= Double(Int64.max)` (which rounds up to 2^63): only Int64(exactly:) refuses it.
            #expect(throws: FeedError.self, "\(key)") { try root[key].integer(in: 0...Int64.max) }
            #expect(throws: FeedError.self, "\(key)") { try root[key].integer(in: Int64.min...Int64.max) }
        }
        #expect(try root["exp"].integer(in: 0...999) == 100)
        #expect(try root["lead"].score() == 7 && root["padded"].score() == 12 && root["negZero"].score() == 0)
        for text in ["NaN", "nan", "inf", "Infinity", "0x1p4", "+1", "1.", ".5", "1e", "--1", "", "١"] {
            #expect(!JSONNode.isDecimal(text.utf8), "\(text)")
        }
        for text in ["0", "-1", "1.5", "1e3", "1E+3", "2.5e-1", "007"] {
            #expect(JSONNode.isDecimal(text.utf8), "\(text)")
        }
    }

    @Test func identifiersAreShortAndVisible() throws {
        let longest = String(repeating: "9", count: JSONNode.maximumIdentifierBytes)
        let root = try JSONNode.parse(
            Array(
                #"""
                {"ok": "\#(longest)", "long": "\#(longest)1", "space": "40158 5135", "control": "4015\u00075135",
                 "number": 100000000000000, "fraction": 12.5, "negative": -3, "huge": 1e300, "tab": "\t401\t"}
                """#.utf8))
        #expect(try root["ok"].identifier() == longest)
        #expect(try root["number"].identifier() == "100000000000000")
        #expect(try root["negative"].identifier() == "-3")
        #expect(try root["tab"].identifier() == "401")
        for key in ["long", "space", "control", "fraction", "huge"] {
            #expect(throws: FeedError.self, "\(key)") { try root[key].identifier() }
        }
    }

    @Test func displayTextIsCutAndCleaned() throws {
        let accents = String(repeating: "é", count: 600)  // 1,200 bytes
        let root = try JSONNode.parse(Array(#"{"long": "\#(accents)", "control": "a\u0000b\u001bc\u0085d", "venue": "\#(accents)"}"#.utf8))
        #expect(root["long"].text == String(repeating: "é", count: JSONNode.maximumTextBytes / 2))
        #expect(root["control"].text == "a b c d")
        #expect(root["venue"].text(maximumBytes: JSONNode.maximumVenueBytes).utf8.count == JSONNode.maximumVenueBytes)
        #expect(Excerpt.quoted(String(repeating: "x", count: 1_000)).count == Excerpt.maximumScalars + 3)
        #expect(Excerpt.cut("e" + String(repeating: "\u{301}", count: 1_000)).unicodeScalars.count == Excerpt.maximumScalars + 1)
        #expect(FeedError(String(repeating: "r", count: 100_000)).reason.unicodeScalars.count == FeedError.maximumReasonScalars + 1)
    }

    @Test func displayTextFromThePayloadsBytesIsCleanedAlike() throws {
        // Raw (unescaped) control characters are valid JSON from U+007F up: DEL and the C1
        // controls become spaces as escaped ones do; other non-ASCII text is kept as it is.
        let raw = "a\u{7F}b\u{80}c\u{85}d\u{9F}e\u{A0}f é 🏀"
        let escaped = #"a\u007fb\u0080c\u0085d\u009fe\u00a0f \u00e9 \ud83c\udfc0"#
        let root = try JSONNode.parse(Array(#"{"raw": "\#(raw)", "escaped": "\#(escaped)", "name": "Nikola Jokić"}"#.utf8))
        #expect(root["raw"].text == "a b c d e\u{A0}f é 🏀")
        #expect(root["escaped"].text == root["raw"].text)
        #expect(root["name"].text == "Nikola Jokić")
        #expect(root["raw"].text(maximumBytes: 4) == "a b", "U+0080 takes two bytes")
        for scalar in (0x20...0x2FF).compactMap(Unicode.Scalar.init) where scalar != "\"" && scalar != "\\" {
            let bytes = Array(String(scalar).utf8)
            let expected = JSONNode.isControl(scalar) ? " " : String(scalar)
            #expect(try JSONNode.parse(Array(#"[""#.utf8) + bytes + Array(#""]"#.utf8)).array()[0].text == expected)
            #expect(bytes.withUnsafeBufferPointer(JSONNode.holdsControlCharacter) == JSONNode.isControl(scalar))
        }
    }

    @Test func controlCharactersAreFoundAnywhereInALongText() {
        // Plain ASCII is passed over eight bytes at a time: every scalar up to U+02FF, at every
        // place in a longer text (across and at the edges of each eight bytes: a C1 character's
        // two bytes split between two of them too), is found exactly when it is one.
        let letters = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        for scalar in (0x00...0x2FF).compactMap(Unicode.Scalar.init) {
            let bytes = Array(String(scalar).utf8)
            for place in 0...(letters.count - bytes.count) {
                var text = letters
                text.replaceSubrange(place..<(place + bytes.count), with: bytes)
                let found = text.withUnsafeBufferPointer(JSONNode.holdsControlCharacter)
                #expect(found == JSONNode.isControl(scalar), "U+\(String(scalar.value, radix: 16)) at \(place)")
            }
        }
        #expect(!letters.withUnsafeBufferPointer(JSONNode.holdsControlCharacter))
        let tilde = Array(repeating: UInt8(ascii: "~"), count: 40)  // 0x7E, one below DEL
        #expect(!tilde.withUnsafeBufferPointer(JSONNode.holdsControlCharacter))
        let space = Array(repeating: UInt8(ascii: " "), count: 40)  // 0x20, one above the C0 controls
        #expect(!space.withUnsafeBufferPointer(JSONNode.holdsControlCharacter))
    }

    @Test func aMissingMembersPathNamesEveryName() throws {
        let root = try JSONNode.parse(Array(#"{"game":{"actions":[]}}"#.utf8))
        #expect(root["game"]["boxscore"]["home"]["score"].path == "game.boxscore.home.score")
        #expect(root["teams"].path == "teams")
        do {
            _ = try root["game"]["boxscore"]["home"].string()
            Issue.record("a missing member was read")
        } catch {
            #expect(error.reason == "game.boxscore.home: expected a string, found nothing")
        }
    }

    @Test func nodeReaders() throws {
        let root = try JSONNode.parse(Array(#"{"s":"12","n":12,"f":12.5,"b":true,"neg":-1,"id":1610612751,"pad":" 3:37 "}"#.utf8))
        #expect(try root["s"].score() == 12 && root["n"].score() == 12)
        #expect(throws: FeedError.self) { try root["f"].score() }
        #expect(throws: FeedError.self) { try root["b"].score() }
        #expect(throws: FeedError.self) { try root["neg"].score() }
        #expect(throws: FeedError.self) { try root["missing"].score() }
        #expect(try root["id"].identifier() == "1610612751")
        #expect(try root["pad"].clockMs(period: 1) == 217_000)
        #expect(try root["s"].clockMs(period: 5) == 12_000, "a bare number of seconds")
        let overtime = try JSONNode.parse(Array(#"{"clock":"PT12M00.00S"}"#.utf8))
        #expect(throws: FeedError.self, "12 minutes left in a 5-minute overtime") { try overtime["clock"].clockMs(period: 5) }
        do {
            _ = try root["b"].string()
        } catch {
            #expect(error.reason == "b: expected a string, found a boolean")
        }
    }
}
