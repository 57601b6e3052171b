/// A value in a parsed payload together with where it was found (`game.actions[3].clock`), so
/// that every reading failure becomes a ``FeedError`` that names the place.
///
/// A node can also be *missing* (the key was absent), which readers treat differently from an
/// explicit `null` only in their messages.
struct JSONNode {
    /// The value, or nil when the key or index was absent.
    let value: JSONValue?
    /// Where the value sits in the payload, in JavaScript-like notation.
    let path: String

    init(_ value: JSONValue?, path: String) {
        self.value = value
        self.path = path
    }

    /// Parses a payload into its root node.
    static func parse(_ bytes: [UInt8]) throws(FeedError) -> JSONNode {
        JSONNode(try JSONParser.parse(bytes), path: "$")
    }

    /// The member `key` of this object (missing when this is not an object or has no such key).
    subscript(key: String) -> JSONNode {
        let childPath = path == "$" ? key : "\(path).\(key)"
        if case .object(let members)? = value { return JSONNode(members[key], path: childPath) }
        return JSONNode(nil, path: childPath)
    }

    /// Whether the value is absent or `null`.
    var isNull: Bool {
        switch value {
        case nil, .null?: true
        default: false
        }
    }

    private var found: String {
        value.map(\.typeName) ?? "nothing"
    }

    /// A reading failure at this node.
    func failure(_ what: String) -> FeedError {
        FeedError("\(path): \(what)")
    }

    // MARK: Containers

    /// The elements of an array.
    func array() throws(FeedError) -> [JSONNode] {
        guard case .array(let elements)? = value else { throw failure("expected an array, found \(found)") }
        return elements.enumerated().map { JSONNode($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// The elements of an array, or an empty list when the key is absent or null.
    func optionalArray() throws(FeedError) -> [JSONNode] {
        if isNull { return [] }
        return try array()
    }

    /// Requires an object (for early, clear rejection of a payload of the wrong shape).
    @discardableResult
    func object() throws(FeedError) -> JSONNode {
        guard case .object? = value else { throw failure("expected an object, found \(found)") }
        return self
    }

    // MARK: Scalars

    /// A string (exactly; numbers are not converted).
    func string() throws(FeedError) -> String {
        guard case .string(let text)? = value else { throw failure("expected a string, found \(found)") }
        return text
    }

    /// A string, or nil when absent or null; any other type is an error.
    func optionalString() throws(FeedError) -> String? {
        if isNull { return nil }
        return try string()
    }

    /// A string for display (description, player name): absent, null or of another type gives "".
    var text: String {
        if case .string(let text)? = value { return text }
        return ""
    }

    /// A boolean; absent or null gives `defaultValue`.
    func bool(default defaultValue: Bool) throws(FeedError) -> Bool {
        if isNull { return defaultValue }
        guard case .bool(let flag)? = value else { throw failure("expected a boolean, found \(found)") }
        return flag
    }

    /// A number, or a string holding a decimal number (providers send both).
    func number() throws(FeedError) -> Double {
        switch value {
        case .number(let number)?:
            return number
        case .string(let text)?:
            let trimmed = text.trimmingASCIIWhitespace()
            guard !trimmed.isEmpty, let number = Double(trimmed), number.isFinite else {
                throw failure("expected a number, found the string \"\(text.prefix(40))\"")
            }
            return number
        default:
            throw failure("expected a number, found \(found)")
        }
    }

    /// A whole number in `range`, given as a JSON number or a string of digits.
    func integer(in range: ClosedRange<Int64>) throws(FeedError) -> Int64 {
        let number = try number()
        guard number.rounded() == number, number >= Double(range.lowerBound), number <= Double(range.upperBound)
        else {
            throw failure("expected a whole number in \(range.lowerBound)...\(range.upperBound), found \(number)")
        }
        return Int64(number)
    }

    /// A score: a whole number 0...999 as a number or a string ("111").
    func score() throws(FeedError) -> UInt32 {
        UInt32(try integer(in: 0...999))
    }

    /// A period number: 0...20 (0 before tip-off; 5 and up are overtimes).
    func period() throws(FeedError) -> UInt32 {
        UInt32(try integer(in: 0...GameClock.maximumPeriod))
    }

    /// An identifier given as a string or a whole number ("401585135", 1610612751).
    func identifier() throws(FeedError) -> String {
        switch value {
        case .string(let text)?:
            let trimmed = text.trimmingASCIIWhitespace()
            guard !trimmed.isEmpty else { throw failure("expected an id, found an empty string") }
            return trimmed
        case .number(let number)? where number.rounded() == number && abs(number) < 1e15:
            return String(Int64(number))
        default:
            throw failure("expected an id, found \(found)")
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks (providers pad status
    /// texts and clocks: `"1st Qtr             "`, `"3:37 "`).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
