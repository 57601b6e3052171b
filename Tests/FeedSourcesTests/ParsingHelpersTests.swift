import CourtsideProto
import Testing

@testable import FeedSources

/// The shared readers: clocks, timestamps, team names, JSON.
@Suite struct ParsingHelpersTests {
    @Test(arguments: [
        ("PT11M58.00S", 718_000), ("PT05M41.00S", 341_000), ("PT00M35.00S", 35_000), ("PT00M04.50S", 4_500),
        ("PT45.2S", 45_200), ("PT12M", 720_000), ("PT12M00S", 720_000), ("5:41", 341_000), ("05:41", 341_000),
        ("12:00", 720_000), ("3:37 ", 217_000), (" 0:04.5", 4_500), ("0.0", 0), ("42.1", 42_100), ("492.0", 492_000),
    ])
    func clocks(text: String, milliseconds: Int) {
        #expect(GameClock.parse(text) == UInt32(milliseconds))
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

    @Test func easternDates() {
        // 7 pm EST on January 8 is midnight UTC on the 9th.
        #expect(GameDate.of(utcMillis: 1_704_758_400_000) == "2024-01-08")
        // 10 pm EDT on April 16 (daylight time: UTC-4) is 02:00 UTC on the 17th.
        #expect(GameDate.of(utcMillis: 1_744_855_200_000) == "2025-04-16")
        // 03:59 UTC on 2025-03-09 is 22:59 EST on the 8th; 04:00 UTC on 2025-11-02 is midnight EDT.
        #expect(GameDate.of(utcMillis: 1_741_492_740_000) == "2025-03-08")
        #expect(GameDate.of(utcMillis: 1_762_056_000_000) == "2025-11-02")
        #expect(GameDate.isCalendarDate("2024-02-29") && !GameDate.isCalendarDate("2023-02-29"))
        // 01:13 UTC on 2026-11-24 is 20:13 EST on the 23rd: that evening's games are still "today's".
        #expect(GameDate.of(utcMillis: 1_795_482_780_000) == "2026-11-23")
        for text in ["2024-2-29", "2024-02-30", "2024-00-10", "20240229xx", "2024/02/29", "", "２０２４-02-29"] {
            #expect(!GameDate.isCalendarDate(text), "\(text)")
        }
    }

    @Test func allThirtyTeamsAndTheirAliases() {
        #expect(NBATeams.all.count == 30)
        #expect(Set(NBATeams.all.map(\.tricode)).count == 30)
        for team in NBATeams.all {
            #expect(NBATeams.lookup(abbreviation: team.tricode) == team)
            #expect(NBATeams.lookup(name: "\(team.market) \(team.name)") == team)
            #expect(NBATeams.lookup(name: team.name) == team)
        }
        let espn = ["GS": "GSW", "NY": "NYK", "SA": "SAS", "NO": "NOP", "UTAH": "UTA", "WSH": "WAS", "bos": "BOS", "PHX": "PHX"]
        for (alias, tricode) in espn { #expect(NBATeams.lookup(abbreviation: alias)?.tricode == tricode, "\(alias)") }
        #expect(NBATeams.lookup(name: "Los Angeles Clippers")?.tricode == "LAC")
        #expect(NBATeams.lookup(name: "LA Clippers")?.tricode == "LAC")
        #expect(NBATeams.lookup(name: "Los Angeles Lakers")?.tricode == "LAL")
        #expect(NBATeams.lookup(name: "Portland Trail Blazers")?.tricode == "POR")
        #expect(NBATeams.lookup(name: "Philadelphia 76ers")?.tricode == "PHI")
        #expect(NBATeams.lookup(abbreviation: "MEL") == nil)
        #expect(NBATeams.lookup(name: "Melbourne United") == nil)
    }

    @Test func jsonParser() throws {
        let text = #"{"a":[1,-2.5e1,true,false,null],"b":"x\"\u00e9\ud83c\udfc0\n","c":{}}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value == .object([
            "a": .array([.number(1), .number(-25), .bool(true), .bool(false), .null]),
            "b": .string("x\"é🏀\n"),
            "c": .object([:]),
        ]))
        #expect(try JSONParser.parse(Array("  [ ]  ".utf8)) == .array([]))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"abc", "tru", "[1] x", "{\"a\":1,}", "\"\u{01}\"", "1e999"] {
            #expect(throws: FeedError.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: FeedError.self) { try JSONParser.parse(Array(deep.utf8)) }
        do {
            _ = try JSONParser.parse(Array(#"{"a": [1, 2"#.utf8))
        } catch {
            #expect(error.reason.contains("truncated"))
        }
    }

    @Test func parserBudgets() throws {
        func zeros(_ count: Int) -> [UInt8] { Array(("[" + Array(repeating: "0", count: count).joined(separator: ",") + "]").utf8) }
        // The array itself is a value: the maximum is the array and maximumValues - 1 zeros.
        #expect(throws: Never.self) { try JSONParser.parse(zeros(JSONParser.maximumValues - 1)) }
        #expect(Self.category { try JSONParser.parse(zeros(JSONParser.maximumValues)) } == .tooLarge)
        #expect(Self.category { try JSONParser.parse(Array("[{},{},{}]".utf8)) } == nil)

        func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        #expect(throws: Never.self) { try JSONParser.parse(nested(JSONParser.maximumDepth)) }
        #expect(Self.category { try JSONParser.parse(nested(JSONParser.maximumDepth + 1)) } == .tooLarge)
        #expect(Self.category { try JSONParser.parse(Array("[1,".utf8)) } == .truncated)
        #expect(Self.category { try JSONParser.parse(Array("<html>".utf8)) } == .malformed)
        #expect(Self.category { try JSONParser.parse([]) } == .empty)
    }

    /// The category of the error `body` throws, or nil when it throws none.
    static func category(_ body: () throws -> JSONValue) -> FeedError.Category? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? FeedError)?.category
        }
    }

    @Test func hostileNumbersAreRefusedNotTrapped() throws {
        let root = try JSONNode.parse(Array(#"""
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
        let root = try JSONNode.parse(Array(#"""
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
