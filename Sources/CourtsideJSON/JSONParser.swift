/// A strict RFC 8259 reader: no trailing commas, no comments, no leading zeros, valid escapes,
/// valid UTF-8, nothing after the value. What it accepts beyond that, and its limits (nesting
/// depth, number of values, duplicate member names), are the reader's ``JSONParserOptions``: the
/// bridge reads client messages with ``JSONParserOptions/clientMessage``, the feed provider
/// payloads with ``JSONParserOptions/providerPayload``.
///
/// It is the project's one JSON reader. One pass over the bytes checks the whole text and
/// records where each value is (a ``JSONDocument``'s tape); nothing is decoded then, so reading
/// a payload costs no allocation per value. ``JSONDocument`` decodes a string or a number only
/// when it is read, and ``parse(_:options:)`` turns a document into a ``JSONValue`` tree for
/// readers that want one (small texts: tokens, client messages).
///
/// It is hand-written rather than `JSONSerialization` because readers need exact types (a
/// boolean is never a number), integers exact to 64 bits, byte offsets in their errors, hard
/// limits against hostile input, and the same behaviour on Linux and macOS. It never recurses
/// (the nesting is a stack of its own, bounded by the depth limit), and every index is checked
/// against the text's length before the byte is read.
public struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let count: Int
    private let options: JSONParserOptions
    private var index = 0
    private var values = 0
    /// The tape, written in place into room that ``tape(of:options:)`` provides.
    private let tape: UnsafeMutablePointer<JSONDocument.Entry>
    private let tapeCapacity: Int
    private var tapeCount = 0
    /// Whether the text needed more room on the tape than it was given (it is then read again).
    private var ranOutOfRoom = false
    /// The open arrays and objects (their entries' indices on the tape), `depth` of them.
    private let open: UnsafeMutablePointer<Int>
    private var depth = 0
    /// The member names of each open object, only when duplicates are refused.
    private var names: [Set<String>] = []

    /// Parses one JSON text (surrounding whitespace allowed) into a tree of values.
    public static func parse(_ bytes: [UInt8], options: JSONParserOptions) throws(JSONParseError) -> JSONValue {
        try JSONDocument(bytes, options: options).value(at: JSONDocument.root)
    }

    /// The tape of a text: one entry per value and member name, in text order.
    static func tape(of bytes: [UInt8], options: JSONParserOptions) throws(JSONParseError) -> [JSONDocument.Entry] {
        // Offsets are kept in 32 bits; no payload or message comes near 4 GiB.
        guard bytes.count < Int(UInt32.max) else {
            throw JSONParseError(kind: .tooManyValues, message: "a text of 4 GiB or more", offset: 0)
        }
        // Every entry takes at least one byte of the text, and a member name comes with a value,
        // so a text never needs more entries than its bytes or than twice the values the options
        // allow. Real payloads hold one entry per 11 (compact) to 17 (indented) bytes: room for
        // one per 8 is given first, and all that any text can need only when that runs out (a
        // text of tiny values, or a hostile one: then it is read twice).
        let mostValues = options.maximumValues.multipliedReportingOverflow(by: 2)
        let mostEntries = min(bytes.count + 2, mostValues.overflow ? Int.max : mostValues.partialValue &+ 2)
        var room = min(bytes.count / 8 + 8, mostEntries)
        let deepest = max(0, min(options.maximumDepth, bytes.count)) + 1
        let open = UnsafeMutablePointer<Int>.allocate(capacity: deepest)
        defer { open.deallocate() }
        while true {
            var failure: JSONParseError?
            var ranOutOfRoom = false
            let tape = [JSONDocument.Entry](unsafeUninitializedCapacity: room) { tape, initialized in
                bytes.withUnsafeBufferPointer { text in
                    var parser = JSONParser(bytes: text, tape: tape.baseAddress!, room: room, open: open, options: options)
                    do throws(JSONParseError) {
                        try parser.run()
                        initialized = parser.tapeCount
                    } catch {
                        failure = error
                        ranOutOfRoom = parser.ranOutOfRoom
                        initialized = 0
                    }
                }
            }
            if ranOutOfRoom, room < mostEntries {
                room = mostEntries
                continue
            }
            if let failure { throw failure }
            return tape
        }
    }

    private init(
        bytes: UnsafeBufferPointer<UInt8>, tape: UnsafeMutablePointer<JSONDocument.Entry>, room: Int,
        open: UnsafeMutablePointer<Int>, options: JSONParserOptions
    ) {
        self.bytes = bytes
        self.count = bytes.count
        self.options = options
        self.tape = tape
        self.tapeCapacity = room
        self.open = open
    }

    /// Adds an entry to the tape.
    @inline(__always)
    private mutating func record(_ entry: JSONDocument.Entry) throws(JSONParseError) {
        guard tapeCount < tapeCapacity else {
            ranOutOfRoom = true
            throw JSONParseError(kind: .tooManyValues, message: "more values than the tape has room for", offset: index)
        }
        (tape + tapeCount).initialize(to: entry)
        tapeCount &+= 1
    }

    /// A failure at the current byte; one at the end of the text (or that needs more bytes than
    /// are left) is a truncated text.
    private func failure(_ message: String, truncated: Bool = false) -> JSONParseError {
        JSONParseError(kind: truncated || index >= count ? .truncated : .malformed, message: message, offset: index)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        // Most calls stop at once (compact text) or after one space (`", "` and `": "`): those
        // are looked at byte by byte.
        guard index < count, bytes[index] <= 0x20 else { return }
        switch bytes[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index &+= 1
        default: return
        }
        guard index < count, bytes[index] <= 0x20 else { return }
        // Indented payloads are up to half whitespace, in runs: eight bytes at a time while all
        // eight are whitespace, then the first that is not (checked below like any other byte).
        while index <= count &- 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
            let others = ~Self.whitespace(word) & 0x8080_8080_8080_8080
            if others == 0 {
                index &+= 8
                continue
            }
            index &+= others.trailingZeroBitCount &>> 3
            return
        }
        while index < count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    private func byte(at offset: Int) -> UInt8? {
        offset < count ? bytes[offset] : nil
    }

    private mutating func run() throws(JSONParseError) {
        if options.allowsByteOrderMark, count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
        if index == count {
            throw JSONParseError(kind: .empty, message: "unexpected end of JSON", offset: index)
        }
        var expectsName = false
        while true {
            if expectsName {
                try memberName()
            }
            // A value starts here.
            let opened = try value()
            if opened {
                skipWhitespace()
                let top = open[depth &- 1]
                if tape[top].kind == .object {
                    if byte(at: index) == UInt8(ascii: "}") {
                        index += 1
                        close()
                    } else {
                        expectsName = true
                        continue
                    }
                } else if byte(at: index) == UInt8(ascii: "]") {
                    index += 1
                    close()
                } else {
                    expectsName = false
                    continue
                }
            }
            // After a value: the next member or element, or the end of containers.
            while true {
                guard depth > 0 else {
                    skipWhitespace()
                    guard index == count else { throw failure("unexpected text after the JSON value") }
                    return
                }
                let top = open[depth &- 1]
                skipWhitespace()
                guard index < count else { throw failure("unexpected end of JSON") }
                let isObject = tape[top].kind == .object
                tape[top].count &+= 1
                let next = bytes[index]
                if next == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    expectsName = isObject
                    break
                }
                if isObject {
                    guard next == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
                } else {
                    guard next == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                }
                index += 1
                close()
            }
        }
    }

    /// Ends the innermost open array or object (its closing byte already read).
    @inline(__always)
    private mutating func close() {
        depth &-= 1
        let top = open[depth]
        tape[top].end = UInt32(truncatingIfNeeded: tapeCount)
        if options.duplicateMembers == .refused, tape[top].kind == .object { names.removeLast() }
    }

    /// A member name and its colon.
    @inline(__always)
    private mutating func memberName() throws(JSONParseError) {
        skipWhitespace()
        guard byte(at: index) == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        let entry = tapeCount
        try string()
        let object = open[depth &- 1]
        tape[entry].last = tape[object].last
        tape[object].last = UInt32(truncatingIfNeeded: entry)
        if options.duplicateMembers == .refused {
            let name = JSONDocument.decodeString(bytes, tape[entry])
            guard names[names.count - 1].insert(name).inserted else {
                throw failure("duplicate member \"\(Self.excerpt(name))\"")
            }
        }
        skipWhitespace()
        guard byte(at: index) == UInt8(ascii: ":") else { throw failure("expected ':'") }
        index += 1
        skipWhitespace()
    }

    /// One value at `index`: a scalar is read whole; an array or object is opened (returns true).
    @inline(__always)
    private mutating func value() throws(JSONParseError) -> Bool {
        guard index < count else { throw failure("unexpected end of JSON") }
        values += 1
        if values > options.maximumValues {
            throw JSONParseError(kind: .tooManyValues, message: "more than \(options.maximumValues) values", offset: index)
        }
        let start = UInt32(truncatingIfNeeded: index)
        switch bytes[index] {
        case UInt8(ascii: "\""):
            try string()
            return false
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return false
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < options.maximumDepth else {
                throw JSONParseError(
                    kind: .tooDeep, message: "nested too deeply (more than \(options.maximumDepth) levels)", offset: index)
            }
            let isObject = bytes[index] == UInt8(ascii: "{")
            open[depth] = tapeCount
            depth &+= 1
            if isObject, options.duplicateMembers == .refused { names.append([]) }
            try record(JSONDocument.Entry(kind: isObject ? .object : .array, flags: 0, start: start, end: 0, count: 0))
            index += 1
            return true
        case UInt8(ascii: "t"):
            try literal("true")
            try record(JSONDocument.Entry(kind: .true, flags: 0, start: start, end: UInt32(truncatingIfNeeded: index), count: 0))
        case UInt8(ascii: "f"):
            try literal("false")
            try record(JSONDocument.Entry(kind: .false, flags: 0, start: start, end: UInt32(truncatingIfNeeded: index), count: 0))
        case UInt8(ascii: "n"):
            try literal("null")
            try record(JSONDocument.Entry(kind: .null, flags: 0, start: start, end: UInt32(truncatingIfNeeded: index), count: 0))
        default:
            throw failure("unexpected character")
        }
        return false
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let length = word.utf8CodeUnitCount
        guard length <= count - index else { throw failure("unexpected end of JSON", truncated: true) }
        let matches = word.withUTF8Buffer { expected in
            var offset = 0
            while offset < length {
                if bytes[index + offset] != expected[offset] { return false }
                offset += 1
            }
            return true
        }
        guard matches else { throw failure("invalid literal") }
        index += length
    }

    // MARK: Strings

    /// A string (value or member name) at `index`, checked and recorded: its content between the
    /// quotes, and whether it has escapes (decoded only when read).
    @inline(__always)
    private mutating func string() throws(JSONParseError) {
        // Read with a local position, kept in a register (`index` is written back when another
        // reader takes over, before a failure, and at the end).
        var at = index &+ 1  // after the opening quote
        let start = at
        var flags: UInt8 = 0
        let text = bytes.baseAddress!  // the text holds at least the opening quote
        while true {
            // Eight bytes at a time: the first that needs a look (a quote, a backslash, a control
            // character or a byte of a multi-byte UTF-8 sequence) is found in one step.
            if at <= count &- 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(text + at).loadUnaligned(as: UInt64.self))
                let marks = Self.marks(word)
                if marks == 0 {
                    at &+= 8
                    continue
                }
                at &+= marks.trailingZeroBitCount &>> 3
            } else if at >= count {
                index = at
                throw failure("unterminated string")
            }
            let byte = text[at]
            if byte == UInt8(ascii: "\"") {
                index = at
                try record(
                    JSONDocument.Entry(
                        kind: .string, flags: flags, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: at),
                        count: 0))
                index = at &+ 1
                return
            }
            index = at
            if byte < 0x20 { throw failure("control character in a string") }
            if byte == UInt8(ascii: "\\") {
                flags = JSONDocument.Entry.hasEscapes
                index = at &+ 1
                try escape()
                at = index
                continue
            }
            if byte >= 0x80 {
                try utf8Sequence()
                at = index
                continue
            }
            at &+= 1
        }
    }

    /// The high bit of each byte of `word` (in little-endian order) that is a quote, a backslash,
    /// below 0x20 or above 0x7F. Bits may also be set above a marked byte (a borrow), never
    /// below the first: its lowest bit is always the first byte that needs a look.
    @inline(__always)
    private static func marks(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | word) & highs
    }

    /// The high bit of each byte of `word` (in little-endian order) that is JSON whitespace
    /// (space, tab, line feed, carriage return), exactly: no borrow or carry crosses bytes.
    @inline(__always)
    static func whitespace(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // The high bit of each byte of `word` that equals `byte`: (x & 0x7F) + 0x7F stays
        // within the byte and sets its high bit unless x is 0.
        @inline(__always)
        func equal(_ byte: UInt64) -> UInt64 {
            let x = word ^ (ones &* byte)
            return ~(((x & lows) &+ lows) | x)
        }
        return (equal(0x20) | equal(0x0A) | equal(0x09) | equal(0x0D)) & ~lows
    }

    /// One UTF-8 sequence of two to four bytes at `index` (its lead byte is at least 0x80): the
    /// shortest form, no surrogates, nothing beyond U+10FFFF.
    private mutating func utf8Sequence() throws(JSONParseError) {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: throw failure("invalid UTF-8 in a string")
        }
        guard length <= count - index else { throw failure("invalid UTF-8 in a string", truncated: true) }
        let second = bytes[index + 1]
        guard second >= low, second <= high else { throw failure("invalid UTF-8 in a string") }
        var offset = 2
        while offset < length {
            guard bytes[index + offset] & 0xC0 == 0x80 else { throw failure("invalid UTF-8 in a string") }
            offset += 1
        }
        index += length
    }

    /// Checks the escape after a backslash (at `index`).
    private mutating func escape() throws(JSONParseError) {
        guard index < count else { throw failure("unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            guard 4 <= count - index else { throw failure("unterminated \\u escape", truncated: true) }
            for _ in 0..<4 {
                guard JSONDocument.hexDigit(bytes[index]) != nil else { throw failure("invalid \\u escape") }
                index += 1
            }
        default:
            throw failure("invalid escape")
        }
    }

    // MARK: Numbers

    /// A number at `index`, checked and recorded (decoded only when read). A number beyond
    /// `Double`'s range is refused here when the options say so: only one with an exponent or
    /// hundreds of digits can be.
    @inline(__always)
    private mutating func number() throws(JSONParseError) {
        let start = index
        var flags: UInt8 = 0
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count, Self.isDigit(bytes[index]) else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < count, Self.isDigit(bytes[index]) { throw failure("leading zero in a number") }
        } else {
            while index < count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            flags |= JSONDocument.Entry.hasFraction
            index += 1
            guard index < count, Self.isDigit(bytes[index]) else { throw failure("invalid number") }
            while index < count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            flags |= JSONDocument.Entry.hasExponent
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, Self.isDigit(bytes[index]) else { throw failure("invalid number") }
            while index < count, Self.isDigit(bytes[index]) { index += 1 }
        }
        let entry = JSONDocument.Entry(
            kind: .number, flags: flags, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: index), count: 0)
        if !options.allowsInfiniteNumbers, flags & JSONDocument.Entry.hasExponent != 0 || index - start > 300 {
            guard JSONDocument.decodeNumber(bytes, entry).double.isFinite else {
                index = start
                throw failure("number out of range")
            }
        }
        try record(entry)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// At most 64 characters of a text, as an error message quotes it.
    private static func excerpt(_ text: String) -> String {
        text.unicodeScalars.count <= 64 ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(64))) + "…"
    }
}
