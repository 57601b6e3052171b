import CourtsideJSON
import Testing

/// The tape reader itself: what a document answers without building a tree, and the checks the
/// one pass makes (UTF-8, strings read eight bytes at a time, numbers decoded when read).
@Suite struct JSONDocumentTests {
    func document(_ text: String, _ options: JSONParserOptions = .providerPayload) throws -> JSONDocument {
        try JSONDocument(Array(text.utf8), options: options)
    }

    func failure(_ bytes: [UInt8], _ options: JSONParserOptions = .providerPayload) -> JSONParseError? {
        do {
            _ = try JSONDocument(bytes, options: options)
            return nil
        } catch {
            return error
        }
    }

    @Test func membersElementsAndScalars() throws {
        let doc = try document(#"{"a": [1, "x", true, false, null, {"b": -2.5}], "c": {}, "d": "é\n"}"#)
        let root = JSONDocument.root
        #expect(doc.kind(root) == .object && doc.count(root) == 3)
        let a = try #require(doc.member("a", of: root))
        #expect(doc.kind(a) == .array && doc.count(a) == 6)
        let elements = doc.elements(of: a)
        #expect(elements.map { doc.kind($0) } == [.number, .string, .true, .false, .null, .object])
        #expect(doc.number(elements[0])?.integer == 1 && doc.string(elements[1]) == "x")
        #expect(doc.bool(elements[2]) == true && doc.bool(elements[3]) == false && doc.bool(elements[4]) == nil)
        let b = try #require(doc.member("b", of: elements[5]))
        #expect(doc.number(b)?.double == -2.5 && doc.number(b)?.integer == nil)
        #expect(doc.member("c", of: root).map { doc.count($0) } == 0)
        #expect(doc.member("d", of: root).map { doc.string($0) } == "é\n")
        #expect(doc.member("zz", of: root) == nil && doc.member("a", of: a) == nil)
        #expect(doc.members(of: root).map { doc.string($0.name) } == ["a", "c", "d"])
        #expect(doc.next(after: a) == doc.members(of: root)[1].name)
    }

    @Test func aStringsRawBytesAreItsTextWhenItHasNoEscapes() throws {
        let doc = try document(#"{"plain": "Jokić 3:37", "escaped": "a\nb", "empty": "", "n": 12, "o": {}}"#)
        func raw(_ name: String) throws -> [UInt8]? {
            let index = try #require(doc.member(name, of: JSONDocument.root))
            return doc.rawStringRange(index).map { Array(doc.bytes[$0]) }
        }
        #expect(try raw("plain") == Array("Jokić 3:37".utf8))
        #expect(try raw("empty") == [])
        #expect(try raw("escaped") == nil && raw("n") == nil && raw("o") == nil)
    }

    @Test func textRangesCoverWhatDecidesAValue() throws {
        let text = #"[ {"a": [1, {"b": []}] } , "s\"t", -2.5e3, true, null, {}, [[]], {"c": {"d": "x"}}  ]"#
        let doc = try document(text)
        let bytes = Array(text.utf8)
        let pieces = doc.elements(of: JSONDocument.root).map { String(decoding: bytes[doc.textRange(of: $0)], as: UTF8.self) }
        #expect(pieces == [#"{"a": [1, {"b": ["#, #""s\"t""#, "-2.5e3", "true", "null", "{", "[[", #"{"c": {"d": "x""#])
        #expect(doc.textRange(of: JSONDocument.root).lowerBound == 0)
    }

    @Test func theLastOfADuplicateNameCountsAndEscapedNamesMatch() throws {
        let doc = try document(#"{"a": 1, "\u0062": 2, "a": 3, "": 4}"#)
        #expect(doc.member("a", of: JSONDocument.root).flatMap { doc.number($0)?.integer } == 3)
        #expect(doc.member("b", of: JSONDocument.root).flatMap { doc.number($0)?.integer } == 2)
        #expect(doc.member("", of: JSONDocument.root).flatMap { doc.number($0)?.integer } == 4)
        // Refused where duplicates are, also when the second is spelled with an escape.
        #expect(failure(Array(#"{"alg": "ES256", "\u0061lg": "HS256"}"#.utf8), .clientMessage)?.message == #"duplicate member "alg""#)
    }

    @Test func membersLookedUpTogetherAreThoseLookedUpOneByOne() throws {
        let names = JSONDocument.MemberNames(["a", "b", "", "missing", "ab", "nested", "a"])
        for text in [
            #"{"a": 1, "\u0062": 2, "a": 3, "": 4, "ab": {"a": 5}, "nested": [{"b": 6}], "abc": 7}"#,
            #"{"missing": null, "\u0061\u0062": "x", "b": [], "b": {}}"#,
            #"{}"#, #"[1, {"a": 2}]"#, #""a""#, #"{"\n": 1, "ba": 2, "A": 3}"#,
        ] {
            let doc = try document(text)
            #expect(doc.members(names, of: JSONDocument.root) == names.names.map { doc.member($0, of: JSONDocument.root) }, "\(text)")
        }
    }

    /// Names are told apart by their first eight bytes, then by the rest: names of one length
    /// that share those eight bytes, that differ only at the eighth, the ninth or the last byte, of exactly
    /// eight bytes, escaped, and near the end of the text (too close for an eight-byte read).
    @Test func longNamesThatShareTheirFirstEightBytesAreToldApart() throws {
        let wanted = ["periodTypeA", "periodTypeB", "periodType", "periodTyp", "period\u{E9}Ty", "abcdefgh", "abcdefgi", "abcdefgX", "x"]
        let names = JSONDocument.MemberNames(wanted)
        var spelled = wanted + ["periodTypeC", "periodTYpeA", "abcdefgH", "qeriodTypeA", "periodTyq", "periodTyXeA"]
        spelled += ["abcdefg", "abcdefghi", "y"]
        spelled += ["\\u0070eriodTypeB", "abcdefg\\u0069", "periodType\\u0041"]
        for (index, name) in spelled.enumerated() {
            let others = spelled.enumerated().filter { $0.offset != index }.map { #""\#($0.element)": \#($0.offset)"# }
            for text in [#"{"\#(name)": -1}"#, #"{"\#(name)":0}"#, "{" + (others + [#""\#(name)": -1"#]).joined(separator: ", ") + "}"] {
                let doc = try document(text)
                #expect(doc.members(names, of: JSONDocument.root) == names.names.map { doc.member($0, of: JSONDocument.root) }, "\(text)")
            }
        }
        let doc = try document(#"{"periodTypeA": 1, "periodTypeB": 2, "abcdefgh": 3, "abcdefgi": 4, "x": 5}"#)
        let found = doc.members(names, of: JSONDocument.root).map { $0.flatMap { doc.number($0)?.integer } }
        #expect(found == [1, 2, nil, nil, nil, 3, 4, nil, 5])
    }

    /// A hostile object: a name of 100,000 bytes sharing a wanted name's first eight, thousands
    /// of names that share them too, and a wanted name as the text's last member.
    @Test func hostileMemberNamesAreLookedUpWithoutTrapping() throws {
        let names = JSONDocument.MemberNames(["periodType", "x"])
        var members = [#""periodType\#(String(repeating: "e", count: 100_000))": 0"#]
        members += (0..<5_000).map { #""periodTyp\#($0 % 10)": \#($0)"# }
        members += [#""periodType": 7"#, #""x":8"#]
        let doc = try document("{" + members.joined(separator: ",") + "}")
        let found = doc.members(names, of: JSONDocument.root)
        #expect(found == names.names.map { doc.member($0, of: JSONDocument.root) })
        #expect(found.map { $0.flatMap { doc.number($0)?.integer } } == [7, 8])
    }

    @Test func pathsAreWorkedOutFromTheTape() throws {
        let doc = try document(#"{"game": {"actions": [{"clock": 1}, {"clock": 2, "x": [0, [5]]}]}}"#)
        let game = try #require(doc.member("game", of: JSONDocument.root))
        let actions = try #require(doc.member("actions", of: game))
        let second = doc.elements(of: actions)[1]
        let x = try #require(doc.member("x", of: second))
        let inner = doc.elements(of: x)[1]
        #expect(
            doc.path(to: doc.elements(of: inner)[0])
                == [.member("game"), .member("actions"), .element(1), .member("x"), .element(1), .element(0)])
        #expect(doc.path(to: JSONDocument.root).isEmpty)
    }

    @Test func stringsOfEveryLengthAndPositionOfASpecialByte() throws {
        // The reader looks at eight bytes at a time: every place of a quote, an escape, a control
        // character and a multi-byte character within and across those words.
        for length in 0..<20 {
            for position in 0...length {
                let prefix = String(repeating: "a", count: position)
                let suffix = String(repeating: "b", count: length - position)
                for (middle, decoded) in [(#"\""#, "\""), (#"\\"#, "\\"), ("é", "é"), ("🏀", "🏀"), (#"\u00e9"#, "é")] {
                    let doc = try document("\"\(prefix)\(middle)\(suffix)\"")
                    #expect(doc.string(JSONDocument.root) == prefix + decoded + suffix)
                }
                #expect(failure(Array("\"\(prefix)\u{01}\(suffix)\"".utf8))?.offset == 1 + position)
                #expect(failure(Array("\"\(prefix)\(suffix)".utf8))?.kind == .truncated)
            }
        }
    }

    @Test func whitespaceRunsOfEveryLengthAndWhatEndsThem() throws {
        // The reader steps over whitespace eight bytes at a time: runs of every length up to
        // three words, of each of the four whitespace bytes, ending at every place of a word and
        // at the end of the text; a byte that is no whitespace (a control character, a byte above
        // 0x7F, a letter) at every place of a run is refused where it is.
        let kinds: [[UInt8]] = [[0x20], [0x0A], [0x09], [0x0D], [0x0D, 0x0A, 0x20, 0x09]]
        for lead in 1...8 {
            // The run starts after `[` and `lead` digits: at every place of a word.
            let head = Array("[".utf8) + [UInt8](repeating: UInt8(ascii: "1"), count: lead)
            for length in 0..<26 {
                for kind in kinds {
                    let run = (0..<length).map { kind[$0 % kind.count] }
                    let doc = try JSONDocument(run + head + run + Array("]".utf8) + run, options: .providerPayload)
                    #expect(doc.count(JSONDocument.root) == 1 && doc.rawStringLength(1) == nil && doc.number(1) != nil)
                }
                for position in 0..<max(length, 1) {
                    for stranger: UInt8 in [0x00, 0x0B, 0x0C, 0x1F, 0x80, 0xA0, 0xFF, UInt8(ascii: "x")] {
                        var run = [UInt8](repeating: 0x20, count: max(length, 1))
                        run[position] = stranger
                        let error = failure(head + run + Array("]".utf8))
                        #expect(
                            error?.kind == .malformed && error?.offset == 1 + lead + position, "\(lead) \(length) \(position) \(stranger)")
                    }
                }
            }
        }
        #expect(failure(Array("[1".utf8) + [UInt8](repeating: 0x20, count: 19))?.kind == .truncated)
        #expect(
            try document(
                String(repeating: " ", count: 17) + "{\n  \"a\" \t:\r\n [ true ,\n\n null ] \n}" + String(repeating: "\n", count: 9)
            ).count(0) == 1)
    }

    @Test func invalidUTF8IsRefusedWithItsPlace() {
        for sequence: [UInt8] in [
            [0xC3, 0x28], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0xE0, 0x80, 0x80],
            [0xF0, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        ] {
            let error = failure(Array(#"["abcdefghij"#.utf8) + sequence + Array(#"z"]"#.utf8))
            #expect(error?.kind == .malformed && error?.message == "invalid UTF-8 in a string" && error?.offset == 12, "\(sequence)")
        }
        #expect(failure(Array(#""ab"#.utf8) + [0xE2, 0x82])?.kind == .truncated)
        // Outside a string, any byte above 0x7F is no JSON.
        #expect(failure([0x5B, 0xC3, 0xA9, 0x5D])?.message == "unexpected character")
        // Valid sequences of each length, at the edges of the ranges.
        let valid: [UInt8] = [
            0x22, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEF, 0xBF, 0xBF, 0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF,
            0xBF, 0x22,
        ]
        #expect(failure(valid) == nil)
    }

    @Test func escapesAndSurrogatePairs() throws {
        #expect(try document(#""\ud83c\udfc0""#).string(JSONDocument.root) == "🏀")
        #expect(try document(#""\uD83C\uDFC0x""#).string(JSONDocument.root) == "🏀x")
        // Lone or reversed surrogates become U+FFFD; the text around them stays.
        #expect(try document(#""a\udfc0\ud83cb""#).string(JSONDocument.root) == "a\u{FFFD}\u{FFFD}b")
        #expect(try document(#""\ud83c""#).string(JSONDocument.root) == "\u{FFFD}")
        #expect(try document(#""\u0000\u001f\/""#).string(JSONDocument.root) == "\u{0}\u{1F}/")
        for bad in [#""\u12"#, #""\u12G4""#, #""\x""#, #""\"#, #""\ud83c\u"#] {
            #expect(failure(Array(bad.utf8)) != nil, "\(bad)")
        }
    }

    @Test func numbersAtTheEdges() throws {
        func number(_ text: String) throws -> JSONNumber? { try document(text).number(JSONDocument.root) }
        #expect(try number("999999999999999")?.integer == 999_999_999_999_999)
        #expect(try number("9007199254740993")?.integer == 9_007_199_254_740_993)
        #expect(try number("18446744073709551615")?.integer == UInt64.max)
        #expect(try number("18446744073709551616")?.integer == nil)
        #expect(try number("-0")?.isNegative == true && number("-0")?.integer == 0)
        #expect(try number("0.000")?.integer == 0)
        #expect(try number("1E+2")?.integer == 100)
        #expect(try number("5e-324")?.double == .leastNonzeroMagnitude)
        #expect(try number("1.7976931348623157e308")?.double == .greatestFiniteMagnitude)
        #expect(failure(Array("1.8e308".utf8))?.message == "number out of range")
        #expect(failure(Array(("1" + String(repeating: "0", count: 400)).utf8))?.message == "number out of range")
        #expect(try JSONDocument(Array("1e400".utf8), options: .clientMessage).number(JSONDocument.root)?.double == .infinity)
        for bad in ["-", "--1", "1.e1", "01.5", "1e+", "0x10", "1_000", ".1", "-.1", "1.5.2"] {
            #expect(failure(Array(bad.utf8)) != nil, "\(bad)")
        }
    }

    @Test func textsOfTinyValuesGetAllTheRoomTheyNeed() throws {
        // The tape is given room for one entry per 8 bytes first (real payloads need one per 11
        // to 17), and read again with room for any text when that runs out: every size across
        // that edge, for values of one byte, empty containers and tiny members.
        for count in 0...300 {
            let zeros = Array(("[" + Array(repeating: "0", count: count).joined(separator: ",") + "]").utf8)
            let document = try JSONDocument(zeros, options: .providerPayload)
            #expect(document.count(JSONDocument.root) == count && document.entryCount == count + 1)
            #expect(document.elements(of: JSONDocument.root).allSatisfy { document.number($0)?.integer == 0 })
        }
        let empties = Array(("[" + Array(repeating: "[]", count: 5_000).joined(separator: ",") + "]").utf8)
        #expect(try JSONDocument(empties, options: .providerPayload).entryCount == 5_001)
        let members = (0..<2_000).map { #""\#($0 % 10)":\#($0 % 7)"# }.joined(separator: ",")
        let object = try JSONDocument(Array("{\(members)}".utf8), options: .providerPayload)
        #expect(object.count(JSONDocument.root) == 2_000 && object.entryCount == 4_001)
        let last = try #require(object.member("3", of: JSONDocument.root).flatMap { object.number($0)?.integer })
        #expect(last == 1_993 % 7)
    }

    @Test func deepNestingIsRefusedWithoutRecursion() {
        // Far deeper than any stack would take: refused at the limit, by a counter.
        let deep = Array(repeating: UInt8(ascii: "["), count: 1_000_000)
        let options = JSONParserOptions(maximumDepth: 2_000_000)
        #expect(failure(deep, options)?.kind == .truncated)
        #expect(failure(deep)?.kind == .tooDeep)
        #expect(failure(Array(String(repeating: #"{"a":"#, count: 200_000).utf8))?.kind == .tooDeep)
    }

    @Test func everyCutOfARealisticTextIsRefusedNotTrapped() throws {
        let text = Array(
            #"{"game": {"id": "0022000001", "actions": [{"n": 1, "s": "PT11M58.00S", "t": "é🏀\u00e9"}, {"x": null, "y": [true, false, -1.5e3]}]}}"#
                .utf8)
        _ = try JSONDocument(text, options: .providerPayload)
        for cut in 0..<text.count {
            #expect(failure(Array(text[..<cut])) != nil, "cut at \(cut)")
        }
    }

    @Test func treesAndTextRoundTrip() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null,"x\n\"\\\u0001é🏀"],"b":{},"c":[]}"#
        let value = try JSONParser.parse(Array(text.utf8), options: .clientMessage)
        #expect(try JSONParser.parse(value.jsonText, options: .clientMessage) == value)
        #expect(
            String(decoding: JSONValue.object([("k", .array([.number(JSONNumber(-4)), .null]))]).jsonText, as: UTF8.self)
                == #"{"k":[-4,null]}"#)
    }
}
