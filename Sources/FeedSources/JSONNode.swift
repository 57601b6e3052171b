import CourtsideJSON

/// A value in a parsed payload, and where it was found (`game.actions[3].clock`), so that every
/// reading failure becomes a ``FeedError`` that names the place.
///
/// A node is a position on the tape of a ``JSONDocument``: reading one decodes nothing but what
/// is asked for, and its path is worked out only when a failure is reported.
///
/// A node can also be *missing* (the key was absent), which readers treat differently from an
/// explicit `null` only in their messages.
struct JSONNode {
    let document: JSONDocument
    /// The value's index on the document's tape; -1 when the key was absent.
    let index: Int
    /// For a missing node: the nearest present value above it, and the names from there down
    /// joined by dots, as a path shows them (one reference, so that copying a node, which
    /// reading does at every field, retains little).
    private let anchor: Int
    private let missingKeys: String?

    private init(_ document: JSONDocument, index: Int, anchor: Int, missingKeys: String? = nil) {
        self.document = document
        self.index = index
        self.anchor = anchor
        self.missingKeys = missingKeys
    }

    /// The root of a document.
    init(_ document: JSONDocument) {
        self.init(document, index: JSONDocument.root, anchor: JSONDocument.root)
    }

    /// A value built in memory (a payload of another format mapped onto the JSON model), read as
    /// a document of its own.
    init(_ value: JSONValue) throws(FeedError) {
        let bytes = value.jsonText
        do {
            self.init(try JSONDocument(bytes, options: .providerPayload))
        } catch {
            throw FeedError(invalidJSON: error, payloadBytes: bytes.count)
        }
    }

    /// Parses a payload into its root node (``JSONParserOptions/providerPayload``: the budgets
    /// against hostile payloads, a tolerated byte order mark, the last of duplicate names).
    static func parse(_ bytes: [UInt8]) throws(FeedError) -> JSONNode {
        do {
            return JSONNode(try JSONDocument(bytes, options: .providerPayload))
        } catch {
            throw FeedError(invalidJSON: error, payloadBytes: bytes.count)
        }
    }

    /// What the value is; nil when the key was absent.
    var kind: JSONDocument.Kind? {
        index >= 0 ? document.kind(index) : nil
    }

    /// Whether there is a value (possibly `null`) at all.
    var exists: Bool { index >= 0 }

    /// The member `key` of this object (missing when this is not an object or has no such key).
    subscript(key: String) -> JSONNode {
        guard index >= 0 else {
            return JSONNode(document, index: -1, anchor: anchor, missingKeys: missingKeys.map { "\($0).\(key)" } ?? key)
        }
        if let member = document.member(key, of: index) {
            return JSONNode(document, index: member, anchor: member)
        }
        return JSONNode(document, index: -1, anchor: index, missingKeys: key)
    }

    /// The members `names` of this object, found in one pass over it (for an object read field
    /// by field, once per play); each is read as `self[name]` gives it.
    func members(_ names: JSONDocument.MemberNames) -> Members {
        Members(object: self, names: names, found: index >= 0 ? document.found(names, of: index) : JSONDocument.FoundMembers())
    }

    /// Members found by ``members(_:)``: a node is made only for a member that is read.
    struct Members {
        fileprivate let object: JSONNode
        fileprivate let names: JSONDocument.MemberNames
        fileprivate let found: JSONDocument.FoundMembers

        /// The member at `position` of the names looked up.
        subscript(position: Int) -> JSONNode {
            guard object.index >= 0 else { return object[names.names[position]] }
            if let member = found[position] { return JSONNode(object.document, index: member, anchor: member) }
            return JSONNode(object.document, index: -1, anchor: object.index, missingKeys: names.names[position])
        }

        /// Whether the member at `position` is absent or `null` (no node made).
        func isNull(_ position: Int) -> Bool {
            guard object.index >= 0, let member = found[position] else { return true }
            return object.document.kind(member) == .null
        }

        /// The member at `position` as a word read from the payload's bytes, its letters lowered
        /// when `lowercasing` (no node or `String` made); nil when it is absent, no string, a
        /// string with escapes, or longer than an ``ASCIIWord`` or not ASCII (the caller then
        /// reads it as a node).
        func word(_ position: Int, lowercasing: Bool) -> ASCIIWord? {
            guard object.index >= 0, let member = found[position], let range = object.document.rawStringRange(member) else {
                return nil
            }
            return object.document.bytes.withUnsafeBufferPointer {
                ASCIIWord(UnsafeBufferPointer(rebasing: $0[range]), lowercasing: lowercasing)
            }
        }

        /// ``word(_:lowercasing:)`` of an optional member: the empty word when it is absent or
        /// `null`.
        func optionalWord(_ position: Int, lowercasing: Bool) -> ASCIIWord? {
            isNull(position) ? .empty : word(position, lowercasing: lowercasing)
        }

        // The readers below give what the member's node gives (``subscript(_:)``), without
        // making the node (a reference to the document kept and let go, per field of every
        // play) for the plain values nearly every field holds: anything else, failures
        // included, is read by the node.

        /// ``JSONNode/withRawBytes(_:)`` of the member at `position`.
        @inline(__always)
        func withRawBytes<Result>(_ position: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
            guard object.index >= 0, let member = found[position] else { return nil }
            return JSONNode.withRawBytes(of: member, in: object.document, body)
        }

        /// ``JSONNode/text``: an absent member is "".
        func text(_ position: Int) -> String {
            guard object.index >= 0, found[position] != nil else { return "" }
            if let fromBytes = withRawBytes(position, { JSONNode.plainText($0, maximumBytes: JSONNode.maximumTextBytes) }),
                let plain = fromBytes
            {
                return plain
            }
            return self[position].text
        }

        /// ``JSONNode/integer(in:)``: a whole number of at most 15 digits, or a string of them,
        /// is read from the payload's bytes (exactly as the node reads it through a `Double`).
        func integer(_ position: Int, in range: ClosedRange<Int64>) throws(FeedError) -> Int64 {
            if object.index >= 0, let member = found[position] {
                let whole: Int64? =
                    switch object.document.kind(member) {
                    case .number: object.document.wholeNumber(member)
                    case .string: withRawBytes(position, JSONNode.digits(bytes:)) ?? nil
                    default: nil
                    }
                if let whole, range.contains(whole) { return whole }
            }
            return try self[position].integer(in: range)
        }

        /// ``JSONNode/score()``.
        func score(_ position: Int) throws(FeedError) -> UInt32 {
            UInt32(try integer(position, in: 0...999))
        }

        /// ``JSONNode/period()``.
        func period(_ position: Int) throws(FeedError) -> UInt32 {
            UInt32(try integer(position, in: 0...GameClock.maximumPeriod))
        }

        /// ``JSONNode/clockMs(period:leagueID:)``.
        func clockMs(_ position: Int, period: UInt32, leagueID: String) throws(FeedError) -> UInt32? {
            if let fromBytes = withRawBytes(position, { GameClock.plainClockMs($0, period: period, leagueID: leagueID) }),
                let clock = fromBytes
            {
                return clock
            }
            return try self[position].clockMs(period: period, leagueID: leagueID)
        }

        /// ``JSONNode/timestampMs``.
        func timestampMs(_ position: Int) -> Int64 {
            if let fromBytes = withRawBytes(position, Timestamps.plainTimestampMs), let timestamp = fromBytes {
                return timestamp
            }
            return self[position].timestampMs
        }
    }

    /// Where the value sits in the payload, in JavaScript-like notation (worked out from the
    /// tape: for messages only).
    var path: String {
        var path = "$"
        func append(member name: String) {
            path = path == "$" ? name : "\(path).\(name)"
        }
        for component in document.path(to: anchor) {
            switch component {
            case .member(let name): append(member: name)
            case .element(let position): path += "[\(position)]"
            }
        }
        if let missingKeys { append(member: missingKeys) }
        return path
    }

    /// The string value, decoded; nil for anything else.
    var stringValue: String? {
        kind == .string ? document.string(index) : nil
    }

    /// `body` of the string's UTF-8 bytes as they are in the payload (no `String` made); nil when
    /// the value is absent, no string, or a string with escapes.
    @inline(__always)
    func withRawBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        index >= 0 ? Self.withRawBytes(of: index, in: document, body) : nil
    }

    /// ``withRawBytes(_:)`` of the value at `index` of `document`.
    @inline(__always)
    fileprivate static func withRawBytes<Result>(
        of index: Int, in document: JSONDocument, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        guard let range = document.rawStringRange(index) else { return nil }
        return document.bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The number value; nil for anything else.
    var numberValue: JSONNumber? {
        kind == .number ? document.number(index) : nil
    }

    /// Whether the value is absent or `null`.
    var isNull: Bool {
        switch kind {
        case nil, .null?: true
        default: false
        }
    }

    /// What the value is, as a reading failure names it ("a string", "nothing").
    var found: String {
        switch kind {
        case nil: "nothing"
        case .null?: "null"
        case .true?, .false?: "a boolean"
        case .number?: "a number"
        case .string?: "a string"
        case .array?: "an array"
        case .object?: "an object"
        }
    }

    /// A reading failure at this node.
    func failure(_ what: String, category: FeedError.Category = .invalid) -> FeedError {
        FeedError("\(path): \(what)", category: category)
    }

    // MARK: Containers

    /// The elements of an array.
    func array() throws(FeedError) -> [JSONNode] {
        guard kind == .array else { throw failure("expected an array, found \(found)") }
        return document.elements(of: index).map { JSONNode(document, index: $0, anchor: $0) }
    }

    /// The elements of an array, or an empty list when the key is absent or null.
    func optionalArray() throws(FeedError) -> [JSONNode] {
        if isNull { return [] }
        return try array()
    }

    /// The elements of an array of at most `limit` elements (a longer one is refused whole).
    func array(atMost limit: Int) throws(FeedError) -> [JSONNode] {
        guard kind == .array else { throw failure("expected an array, found \(found)") }
        let count = document.count(index)
        guard count <= limit else {
            throw failure("\(count) elements, more than the \(limit) accepted", category: .tooLarge)
        }
        return try array()
    }

    /// ``array(atMost:)``, or an empty list when the key is absent or null.
    func optionalArray(atMost limit: Int) throws(FeedError) -> [JSONNode] {
        if isNull { return [] }
        return try array(atMost: limit)
    }

    /// Requires an object (for early, clear rejection of a payload of the wrong shape).
    @discardableResult
    func object() throws(FeedError) -> JSONNode {
        guard kind == .object else { throw failure("expected an object, found \(found)") }
        return self
    }

    // MARK: Scalars

    /// A string (exactly; numbers are not converted).
    func string() throws(FeedError) -> String {
        guard let text = stringValue else { throw failure("expected a string, found \(found)") }
        return text
    }

    /// A string, or nil when absent or null; any other type is an error.
    func optionalString() throws(FeedError) -> String? {
        if isNull { return nil }
        return try string()
    }

    /// The longest display text kept, in UTF-8 bytes (the score service takes descriptions of up
    /// to 4096).
    static let maximumTextBytes = 1024

    /// A string for display (description, player name): absent, null or of another type gives "".
    /// Control characters become spaces and the text is cut to ``maximumTextBytes`` (display
    /// text is not worth rejecting a payload for).
    var text: String { text(maximumBytes: Self.maximumTextBytes) }

    /// The longest venue kept, in UTF-8 bytes (the schedule service's limit).
    static let maximumVenueBytes = 200

    /// A text's raw bytes as ``text(maximumBytes:)`` gives them when they fit and hold no
    /// control character (nearly every text); nil otherwise.
    static func plainText(_ bytes: UnsafeBufferPointer<UInt8>, maximumBytes: Int) -> String? {
        bytes.count <= maximumBytes && !holdsControlCharacter(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// ``text`` cut to `maximumBytes` UTF-8 bytes (on a scalar boundary).
    func text(maximumBytes: Int) -> String {
        // Most texts have no escapes, fit and hold no control character: seen on the payload's
        // bytes, then decoded once.
        if let fromBytes = withRawBytes({ Self.plainText($0, maximumBytes: maximumBytes) }), let plain = fromBytes {
            return plain
        }
        guard let text = stringValue else { return "" }
        if text.utf8.count <= maximumBytes && !text.unicodeScalars.contains(where: Self.isControl) { return text }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > maximumBytes { break }
            kept.append(Self.isControl(scalar) ? " " : scalar)
        }
        return String(kept)
    }

    /// A boolean; absent or null gives `defaultValue`.
    func bool(default defaultValue: Bool) throws(FeedError) -> Bool {
        if isNull { return defaultValue }
        guard let flag = document.bool(index) else { throw failure("expected a boolean, found \(found)") }
        return flag
    }

    /// A number, or a string holding a decimal number (providers send both). Only decimal
    /// notation is read from a string: `Double(_:)` would also take "nan", "inf" and "0x1p4".
    func number() throws(FeedError) -> Double {
        switch kind {
        case .number?:
            return document.number(index)?.double ?? .nan
        case .string?:
            // Scores come as strings of digits ("111"): read from the payload's bytes.
            if let fromBytes = withRawBytes(Self.digits(bytes:)), let whole = fromBytes { return Double(whole) }
            let text = document.string(index)
            if let whole = Self.digits(text) { return Double(whole) }
            let trimmed = text.trimmingASCIIWhitespace()
            guard Self.isDecimal(trimmed.utf8), let number = Double(trimmed), number.isFinite else {
                throw failure("expected a number, found the string \(Excerpt.quoted(text))")
            }
            return number
        default:
            throw failure("expected a number, found \(found)")
        }
    }

    /// The value of a text of one to fifteen ASCII digits ("111", as providers send scores), read
    /// without a conversion through `Double`; nil for any other text.
    static func digits(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { digits(bytes: $0) }
    }

    /// ``digits(_:)`` of UTF-8 bytes.
    static func digits(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether `text` is `-?digits(.digits)?([eE][+-]?digits)?` (leading zeros allowed).
    static func isDecimal(_ text: String.UTF8View) -> Bool {
        var rest = text[...]
        func digits() -> Bool {
            let count = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            rest = rest.dropFirst(count)
            return count > 0
        }
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        guard digits() else { return false }
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            guard digits() else { return false }
        }
        if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            guard digits() else { return false }
        }
        return rest.isEmpty
    }

    /// A whole number in `range`, given as a JSON number or a string of digits. Converted with
    /// `Int64(exactly:)`: a double at or beyond 2^63 (which `Double(Int64.max)` rounds up to)
    /// fails the check instead of trapping.
    func integer(in range: ClosedRange<Int64>) throws(FeedError) -> Int64 {
        let number = try number()
        guard let whole = Int64(exactly: number), range.contains(whole) else {
            throw failure("expected a whole number in \(range.lowerBound)...\(range.upperBound), found \(number)")
        }
        return whole
    }

    /// A score: a whole number 0...999 as a number or a string ("111").
    func score() throws(FeedError) -> UInt32 {
        UInt32(try integer(in: 0...999))
    }

    /// A period number: 0...20 (0 before tip-off; 5 and up are overtimes).
    func period() throws(FeedError) -> UInt32 {
        UInt32(try integer(in: 0...GameClock.maximumPeriod))
    }

    /// The longest provider id accepted, in UTF-8 bytes: with its prefix and suffixes it stays
    /// within the schedule's game ids (128 bytes) and the score service's source ids (256).
    static let maximumIdentifierBytes = 64

    /// An identifier given as a string or a whole number ("401585135", 1610612751): at most
    /// ``maximumIdentifierBytes`` of visible characters (ids end up in URLs, logs and other ids).
    func identifier() throws(FeedError) -> String {
        switch kind {
        case .string?:
            let text = document.string(index)
            // Most ids are short and visible ASCII, which passes every check below.
            if !text.isEmpty, text.utf8.count <= Self.maximumIdentifierBytes, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                return text
            }
            let trimmed = text.trimmingASCIIWhitespace()
            guard !trimmed.isEmpty else { throw failure("expected an id, found an empty string") }
            guard trimmed.utf8.count <= Self.maximumIdentifierBytes else {
                throw failure("an id longer than \(Self.maximumIdentifierBytes) bytes: \(Excerpt.quoted(trimmed))")
            }
            guard !trimmed.unicodeScalars.contains(where: { $0.properties.isWhitespace || Self.isControl($0) }) else {
                throw failure("an id with spaces or control characters: \(Excerpt.quoted(trimmed))")
            }
            return trimmed
        case .number? where abs(numberValue?.double ?? .infinity) < 1e15:
            let number = numberValue ?? JSONNumber(0)
            guard let whole = Int64(exactly: number.double) else { throw failure("expected an id, found the fraction \(number.double)") }
            return String(whole)
        default:
            throw failure("expected an id, found \(found)")
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Whether valid UTF-8 holds a scalar ``isControl(_:)`` takes: a byte below 0x20, 0x7F, or
    /// U+0080–U+009F (encoded 0xC2 0x80–0x9F).
    static func holdsControlCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while index < bytes.count {
            // Eight bytes at a time while none is below 0x20 or at least 0x7F (plain ASCII text):
            // such a byte sets its high bit in one of the three terms (a borrow or carry only
            // reaches past a byte that is one itself), and is then looked at byte by byte.
            if index &+ 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if (((word &- ones &* 0x20) & ~word) | (word &+ ones) | word) & highs == 0 {
                    index &+= 8
                    continue
                }
            }
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F { return true }
            if byte == 0xC2, index &+ 1 < bytes.count, bytes[index &+ 1] <= 0x9F { return true }
            index &+= 1
        }
        return false
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks (providers pad status
    /// texts and clocks: `"1st Qtr             "`, `"3:37 "`).
    func trimmingASCIIWhitespace() -> String {
        // Most texts have nothing to trim: seen from their first and last bytes.
        let whole = String(self)
        if !ASCIIWhitespace.surrounds(whole.utf8) { return whole }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// UTF-8 bytes searched for ASCII words byte by byte: for matching provider type texts against
/// dozens of words per play, where `String.contains(_:)` (grapheme by grapheme) is costly.
struct ASCIISearch {
    let bytes: UnsafeBufferPointer<UInt8>

    /// Whether the bytes hold `needle`.
    func contains(_ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { wanted in
            guard wanted.count <= bytes.count else { return false }
            guard let first = wanted.first else { return true }
            var start = 0
            let last = bytes.count - wanted.count
            while start <= last {
                if bytes[start] == first {
                    var offset = 1
                    while offset < wanted.count, bytes[start + offset] == wanted[offset] { offset += 1 }
                    if offset == wanted.count { return true }
                }
                start += 1
            }
            return false
        }
    }

    /// Whether the bytes begin with `prefix`.
    func starts(with prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { wanted in bytes.starts(with: wanted) }
    }
}

/// The whitespace ``StringProtocol/trimmingASCIIWhitespace()`` trims: space, tab, LF, CR.
enum ASCIIWhitespace {
    static func contains(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Whether the bytes are empty or begin or end with whitespace (whether trimming may change them).
    static func surrounds(_ bytes: some BidirectionalCollection<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return true }
        return contains(first) || contains(last)
    }
}
