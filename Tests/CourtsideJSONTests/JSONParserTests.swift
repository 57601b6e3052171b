import CourtsideJSON
import Testing

/// What both readers share: strict RFC 8259, exact types, escapes, numbers.
@Suite struct JSONParserTests {
    static let readers: [JSONParserOptions] = [.clientMessage, .providerPayload]

    @Test(arguments: readers)
    func parsesNestedValues(options: JSONParserOptions) throws {
        let value = try JSONParser.parse(Array(#"{"a":[1,-2,3.5,true,false,null,"x\n\u00e9\ud83c\udfc0"],"b":{}}"#.utf8), options: options)
        guard case .array(let items)? = value["a"] else {
            Issue.record("no array")
            return
        }
        #expect(items.count == 7)
        #expect(items[0] == .number(JSONNumber(integer: 1, isNegative: false, double: 1)))
        #expect(items[1] == .number(JSONNumber(integer: 2, isNegative: true, double: -2)))
        #expect(items[2] == .number(JSONNumber(integer: nil, isNegative: false, double: 3.5)))
        #expect(items[3] == .bool(true) && items[4] == .bool(false) && items[5] == .null)
        #expect(items[6] == .string("x\né🏀"))
        #expect(value["b"] == .object([]))
        #expect(try JSONParser.parse(Array("  [ ]  ".utf8), options: options) == .array([]))
        #expect(
            try JSONParser.parse(Array(#"{"b":1,"a":2}"#.utf8), options: options)
                == .object([("b", .number(JSONNumber(1))), ("a", .number(JSONNumber(2)))]))
    }

    @Test(arguments: readers)
    func escapesAndSurrogates(options: JSONParserOptions) throws {
        let text = #""\"\\\/\b\f\n\r\t\u0041\ud83c\udfc0\ud83c\u0041\udfc0""#
        #expect(try JSONParser.parse(Array(text.utf8), options: options) == .string("\"\\/\u{08}\u{0C}\n\r\tA🏀\u{FFFD}A\u{FFFD}"))
    }

    @Test(
        arguments: readers,
        [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\u{01}\"", "\"\\x\"", "tru", "{\"a\" 1}", "1 2", "\"abc", "[1] x",
            "nul", "[1 2]", "{1:2}", "'a'", "+1", ".5", "1e", "\"\\u12\"", "\"\\uZZZZ\"", "[", "]", "NaN", "Infinity", "// c\n1",
        ])
    func rejects(options: JSONParserOptions, text: String) {
        #expect(throws: JSONParseError.self, "\(text)") { try JSONParser.parse(Array(text.utf8), options: options) }
    }

    @Test func failuresSayWhatAndWhere() {
        func failure(_ text: String, _ options: JSONParserOptions = .clientMessage) -> JSONParseError? {
            do {
                _ = try JSONParser.parse(Array(text.utf8), options: options)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure("") == JSONParseError(kind: .empty, message: "unexpected end of JSON", offset: 0))
        #expect(failure("  ")?.kind == .empty)
        #expect(failure("[1,") == JSONParseError(kind: .truncated, message: "unexpected end of JSON", offset: 3))
        #expect(failure("tru") == JSONParseError(kind: .truncated, message: "unexpected end of JSON", offset: 0))
        #expect(failure("\"ab") == JSONParseError(kind: .truncated, message: "unterminated string", offset: 3))
        #expect(failure("[1] x") == JSONParseError(kind: .malformed, message: "unexpected text after the JSON value", offset: 4))
        #expect(failure("01") == JSONParseError(kind: .malformed, message: "leading zero in a number", offset: 1))
        #expect(failure("<html>") == JSONParseError(kind: .malformed, message: "unexpected character", offset: 0))
        #expect(failure("[1 2]") == JSONParseError(kind: .malformed, message: "expected ',' or ']'", offset: 3))
        #expect(failure(#"{"a":1,"a":2}"#) == JSONParseError(kind: .malformed, message: #"duplicate member "a""#, offset: 10))
    }

    @Test func numbersKeepTheirIntegerValue() throws {
        func number(_ text: String) throws -> JSONNumber? {
            guard case .number(let number) = try JSONParser.parse(Array(text.utf8), options: .clientMessage) else { return nil }
            return number
        }
        #expect(try number("18446744073709551615")?.integer == UInt64.max)
        #expect(try number("18446744073709551616")?.integer == nil)
        #expect(try number("-9223372036854775808")?.integer == 9_223_372_036_854_775_808)
        #expect(try number("1.0")?.integer == 1)
        #expect(try number("1.5")?.integer == nil)
        #expect(try number("1e2")?.integer == 100)
        #expect(try number("1e-400")?.integer == nil)
        #expect(try number("0e5")?.integer == 0)
        #expect(try number("-2.5e1")?.double == -25)
        #expect(try number("3")?.unsigned(maximum: 2) == nil)
        #expect(try number("2")?.unsigned(maximum: 2) == 2)
        #expect(try number("-0")?.unsigned(maximum: 2) == 0)
        #expect(try number("-1")?.unsigned(maximum: 2) == nil)
        #expect(
            JSONNumber(3).integer == 3 && JSONNumber(2.5).integer == nil
                && JSONNumber(-4) == JSONNumber(integer: 4, isNegative: true, double: -4))
    }

    @Test func typeNames() throws {
        let value = try JSONParser.parse(Array(#"[{},[],"",1,1.5,true,null]"#.utf8), options: .clientMessage)
        guard case .array(let items) = value else {
            Issue.record("no array")
            return
        }
        #expect(items.map(\.typeName) == ["object", "array", "string", "integer", "number", "boolean", "null"])
    }
}

/// What each reader's options change: depth, number of values, duplicates, byte order marks,
/// numbers beyond `Double`.
@Suite struct JSONParserOptionsTests {
    func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
    func zeros(_ count: Int) -> [UInt8] { Array(("[" + Array(repeating: "0", count: count).joined(separator: ",") + "]").utf8) }

    @Test(arguments: [JSONParserOptions.clientMessage, .providerPayload])
    func limitsDepth(options: JSONParserOptions) throws {
        _ = try JSONParser.parse(nested(options.maximumDepth), options: options)
        #expect(
            throws: JSONParseError(
                kind: .tooDeep, message: "nested too deeply (more than \(options.maximumDepth) levels)", offset: options.maximumDepth)
        ) {
            try JSONParser.parse(nested(options.maximumDepth + 1), options: options)
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(nested(100_000), options: options) }
        let objects =
            String(repeating: #"{"a":"#, count: options.maximumDepth + 1) + "1" + String(repeating: "}", count: options.maximumDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(objects.utf8), options: options) }
    }

    @Test func theDepthsOfEachReader() {
        #expect(JSONParserOptions.clientMessage.maximumDepth == 32)
        #expect(JSONParserOptions.providerPayload.maximumDepth == 128)
        #expect(JSONParserOptions.providerPayload.maximumValues == 500_000)
        #expect(JSONParserOptions.clientMessage.maximumValues == .max)
    }

    @Test func limitsValues() throws {
        // The array itself is a value: the maximum is the array and maximumValues - 1 zeros.
        let options = JSONParserOptions(maximumDepth: 4, maximumValues: 10)
        _ = try JSONParser.parse(zeros(9), options: options)
        #expect(throws: JSONParseError(kind: .tooManyValues, message: "more than 10 values", offset: 19)) {
            try JSONParser.parse(zeros(10), options: options)
        }
        _ = try JSONParser.parse(Array("[{},{},{}]".utf8), options: options)
        let payload = JSONParserOptions.providerPayload
        _ = try JSONParser.parse(zeros(payload.maximumValues - 1), options: payload)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(zeros(payload.maximumValues), options: payload) }
    }

    @Test func duplicateMembers() throws {
        let text = Array(#"{"a":1,"b":2,"a":3}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text, options: .clientMessage) }
        let value = try JSONParser.parse(text, options: .providerPayload)
        #expect(value == .object([("a", .number(JSONNumber(3))), ("b", .number(JSONNumber(2)))]))
    }

    @Test func byteOrderMark() throws {
        let text: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text, options: .clientMessage) }
        #expect(try JSONParser.parse(text, options: .providerPayload) == .array([.number(JSONNumber(1))]))
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF], options: .providerPayload) }
    }

    @Test func numbersBeyondDouble() throws {
        #expect(
            try JSONParser.parse(Array("1e999".utf8), options: .clientMessage)
                == .number(JSONNumber(integer: nil, isNegative: false, double: .infinity)))
        #expect(throws: JSONParseError(kind: .malformed, message: "number out of range", offset: 1)) {
            try JSONParser.parse(Array("[-1e999]".utf8), options: .providerPayload)
        }
    }
}
