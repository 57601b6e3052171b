/// A JSON text read by ``JSONParser``: the bytes and a tape of where each value is, with nothing
/// decoded yet. A value is named by its index on the tape (``root`` is the whole text); strings
/// and numbers are decoded when read, member names are compared as bytes, and a path to a value
/// (for an error message) is worked out from the tape only when asked for.
///
/// The tape holds one entry per value and per member name, in text order. An array's or object's
/// entry is followed by those of its contents and records where they end, so a reader steps over
/// a whole value at once.
public final class JSONDocument: Sendable {
    /// The index of the outermost value.
    public static let root = 0

    /// What a value is.
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    /// One value or member name on the tape.
    struct Entry: Sendable {
        static let hasEscapes: UInt8 = 1
        static let hasFraction: UInt8 = 1
        static let hasExponent: UInt8 = 2

        var kind: Kind
        /// Strings: ``hasEscapes``; numbers: ``hasFraction``, ``hasExponent``.
        var flags: UInt8
        /// Where the value starts in the text (a string: after its opening quote).
        var start: UInt32
        /// A scalar: where it ends in the text (a string: at its closing quote). An array or an
        /// object: the index of the tape entry after its contents.
        var end: UInt32
        /// An array's elements or an object's members.
        var count: UInt32
        /// An object: the index of its last member name (0 when it has none). A member name:
        /// the index of the member name before it in its object (0 for the first). Names are
        /// looked up from the last one, which is the one that counts when a name is there twice.
        var last: UInt32 = 0
    }

    /// The text.
    public let bytes: [UInt8]
    let tape: [Entry]
    /// Whether an object may hold a member name twice (then the last one counts).
    let duplicatesLastWin: Bool

    /// Reads a JSON text whole; a text that is not JSON, or beyond the options' limits, is refused.
    public init(_ bytes: [UInt8], options: JSONParserOptions) throws(JSONParseError) {
        self.tape = try JSONParser.tape(of: bytes, options: options)
        self.bytes = bytes
        self.duplicatesLastWin = options.duplicateMembers == .lastWins
    }

    /// The number of entries on the tape (values and member names).
    public var entryCount: Int { tape.count }

    // MARK: Reading a value

    /// What the value at `index` is.
    @inline(__always)
    public func kind(_ index: Int) -> Kind { tape[index].kind }

    /// The number of elements of an array or members of an object (0 for anything else).
    public func count(_ index: Int) -> Int {
        let entry = tape[index]
        return entry.kind == .object || entry.kind == .array ? Int(entry.count) : 0
    }

    /// The index of the entry after the value at `index` (its contents included).
    @inline(__always)
    public func next(after index: Int) -> Int {
        let entry = tape[index]
        return entry.kind == .object || entry.kind == .array ? Int(entry.end) : index + 1
    }

    /// The elements of the array at `index` (empty when it is no array).
    public func elements(of index: Int) -> [Int] {
        let entry = tape[index]
        guard entry.kind == .array else { return [] }
        var elements: [Int] = []
        elements.reserveCapacity(Int(entry.count))
        var element = index + 1
        let end = Int(entry.end)
        while element < end {
            elements.append(element)
            element = next(after: element)
        }
        return elements
    }

    /// The members of the object at `index` (name and value entries), in text order,
    /// duplicates included (empty when it is no object).
    public func members(of index: Int) -> [(name: Int, value: Int)] {
        let entry = tape[index]
        guard entry.kind == .object else { return [] }
        var members: [(name: Int, value: Int)] = []
        members.reserveCapacity(Int(entry.count))
        var name = index + 1
        let end = Int(entry.end)
        while name < end {
            members.append((name, name + 1))
            name = next(after: name + 1)
        }
        return members
    }

    /// The value of the member `name` of the object at `index`: nil when it is no object or has
    /// no such member; the last one when the name is there twice (``JSONParserOptions/DuplicateMembers/lastWins``).
    public func member(_ name: String, of index: Int) -> Int? {
        guard tape[index].kind == .object else { return nil }
        var name = name
        return name.withUTF8 { wanted in
            tape.withUnsafeBufferPointer { tape in
                bytes.withUnsafeBufferPointer { text in
                    // From the last member back: the first match is the one that counts.
                    var key = Int(tape[index].last)
                    while key != 0 {
                        let entry = tape[key]
                        let start = Int(entry.start)
                        let length = Int(entry.end) &- start
                        if entry.flags & Entry.hasEscapes != 0 {
                            var decoded = Self.decodeString(text, entry)
                            if decoded.withUTF8({ $0.elementsEqual(wanted) }) { return key + 1 }
                        } else if length == wanted.count {
                            var offset = 0
                            while offset < length, text[start &+ offset] == wanted[offset] { offset &+= 1 }
                            if offset == length { return key + 1 }
                        }
                        key = Int(entry.last)
                    }
                    return nil
                }
            }
        }
    }

    /// Member names looked up together in one pass over an object (``members(_:of:)``): an
    /// object read field by field would otherwise walk its members once per name. A class: it
    /// is made once per reader and passed along per object read, one reference for its arrays.
    public final class MemberNames: Sendable {
        public let names: [String]
        /// The names' UTF-8 bytes, one after the other, and where each starts (one more, the end).
        let utf8: [UInt8]
        let starts: [Int]
        /// The positions in ``names`` ordered by UTF-8 length; those of length `n` are
        /// `byLength[firstOfLength[n]..<firstOfLength[n + 1]]`.
        let byLength: [Int]
        let firstOfLength: [Int]
        /// For each of ``byLength``: the name's first eight bytes as one word
        /// (``MemberNames/prefix(_:from:count:)``), so that most names are told apart by one
        /// comparison.
        let prefixes: [UInt64]

        public init(_ names: [String]) {
            precondition(names.count <= FoundMembers.capacity, "at most \(FoundMembers.capacity) member names are looked up together")
            self.names = names
            utf8 = names.flatMap(\.utf8)
            var starts = [0]
            for name in names { starts.append(starts[starts.count - 1] + name.utf8.count) }
            self.starts = starts
            let longest = names.map(\.utf8.count).max() ?? 0
            byLength = names.indices.sorted { (names[$0].utf8.count, $0) < (names[$1].utf8.count, $1) }
            firstOfLength = (0...longest + 1).map { length in names.filter { $0.utf8.count < length }.count }
            prefixes = byLength.map { position in
                let bytes = Array(names[position].utf8)
                return bytes.withUnsafeBufferPointer { Self.prefix($0, from: 0, count: bytes.count) }
            }
        }

        /// The first eight (or fewer) of the `count` bytes at `start`, little-endian, the rest zero.
        @inline(__always)
        static func prefix(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) -> UInt64 {
            let length = min(count, 8)
            if start &+ 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + start).loadUnaligned(as: UInt64.self).littleEndian
                return length == 8 ? word : word & ((1 &<< UInt64(8 &* length)) &- 1)
            }
            var word: UInt64 = 0
            for offset in 0..<length { word |= UInt64(bytes[start &+ offset]) &<< UInt64(8 &* offset) }
            return word
        }
    }

    /// Where the members looked up by ``found(_:of:)`` are, kept in place (no array is made for
    /// each object read).
    public struct FoundMembers {
        /// The most names a ``MemberNames`` holds.
        public static let capacity = 16
        /// Each name's value (its index on the tape), -1 for none.
        private var values = InlineArray<16, Int>(repeating: -1)

        /// None found.
        public init() {}

        /// The value of the name at `position` of the names looked up, if the object has it.
        public subscript(position: Int) -> Int? {
            get {
                let value = values[position]
                return value < 0 ? nil : value
            }
            set { values[position] = newValue ?? -1 }
        }
    }

    /// For each of `wanted`'s names, what ``member(_:of:)`` gives for it, found in one pass over
    /// the object's members (a later one of a name twice replaces the earlier, so the last counts).
    public func members(_ wanted: MemberNames, of index: Int) -> [Int?] {
        let found = found(wanted, of: index)
        return wanted.names.indices.map { found[$0] }
    }

    /// ``members(_:of:)``, kept in place.
    public func found(_ wanted: MemberNames, of index: Int) -> FoundMembers {
        var found = FoundMembers()
        guard tape[index].kind == .object else { return found }
        let end = Int(tape[index].end)
        let longest = wanted.firstOfLength.count - 2
        tape.withUnsafeBufferPointer { tape in
            bytes.withUnsafeBufferPointer { text in
                wanted.utf8.withUnsafeBufferPointer { names in
                    wanted.starts.withUnsafeBufferPointer { starts in
                        wanted.byLength.withUnsafeBufferPointer { byLength in
                            wanted.firstOfLength.withUnsafeBufferPointer { firstOfLength in
                                wanted.prefixes.withUnsafeBufferPointer { prefixes in
                                    /// Records `key` for each wanted name equal to the `count`
                                    /// bytes of `name` at `start`.
                                    func match(_ name: UnsafeBufferPointer<UInt8>, from start: Int, count: Int, key: Int) {
                                        guard count <= longest else { return }
                                        let first = firstOfLength[count]
                                        let last = firstOfLength[count &+ 1]
                                        guard first < last else { return }
                                        let prefix = MemberNames.prefix(name, from: start, count: count)
                                        for candidate in first..<last where prefixes[candidate] == prefix {
                                            let position = byLength[candidate]
                                            let nameStart = starts[position]
                                            var offset = 8
                                            while offset < count, name[start &+ offset] == names[nameStart &+ offset] { offset &+= 1 }
                                            if offset >= count { found[position] = key + 1 }
                                        }
                                    }
                                    var key = index + 1
                                    while key < end {
                                        let entry = tape[key]
                                        if entry.flags & Entry.hasEscapes != 0 {
                                            var decoded = Self.decodeString(text, entry)
                                            decoded.withUTF8 { match($0, from: 0, count: $0.count, key: key) }
                                        } else {
                                            let start = Int(entry.start)
                                            match(text, from: start, count: Int(entry.end) &- start, key: key)
                                        }
                                        let value = tape[key + 1]
                                        key = value.kind == .object || value.kind == .array ? Int(value.end) : key + 2
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return found
    }

    /// The string (or member name) at `index`, its escapes decoded; "" for anything else.
    public func string(_ index: Int) -> String {
        let entry = tape[index]
        guard entry.kind == .string else { return "" }
        return bytes.withUnsafeBufferPointer { Self.decodeString($0, entry) }
    }

    /// The UTF-8 length of a string without escapes, without decoding it (nil when it has escapes
    /// or is no string).
    public func rawStringLength(_ index: Int) -> Int? {
        let entry = tape[index]
        guard entry.kind == .string, entry.flags & Entry.hasEscapes == 0 else { return nil }
        return Int(entry.end - entry.start)
    }

    /// Where the UTF-8 bytes of the string at `index` are in ``bytes``, as they are in the text
    /// (for reading them without decoding them into a `String`); nil when it has escapes or is no
    /// string. Not a closure-taking method: a generic one called from another module runs
    /// unspecialized, which costs more than the decoding it saves.
    public func rawStringRange(_ index: Int) -> Range<Int>? {
        let entry = tape[index]
        guard entry.kind == .string, entry.flags & Entry.hasEscapes == 0 else { return nil }
        return Int(entry.start)..<Int(entry.end)
    }

    /// The number at `index` when it is written as at most 15 digits, with or without a minus
    /// sign, and no fraction or exponent (a value a `Double` holds exactly); nil for any other
    /// number or value (read it with ``number(_:)``).
    public func wholeNumber(_ index: Int) -> Int64? {
        let entry = tape[index]
        guard entry.kind == .number, entry.flags == 0 else { return nil }
        return bytes.withUnsafeBufferPointer { text in
            var offset = Int(entry.start)
            let end = Int(entry.end)
            let negative = text[offset] == UInt8(ascii: "-")
            if negative { offset &+= 1 }
            guard end &- offset <= 15 else { return nil }
            var value: Int64 = 0
            while offset < end {
                value = value &* 10 &+ Int64(text[offset] &- UInt8(ascii: "0"))
                offset &+= 1
            }
            return negative ? -value : value
        }
    }

    /// The number at `index`; nil for anything else.
    public func number(_ index: Int) -> JSONNumber? {
        let entry = tape[index]
        guard entry.kind == .number else { return nil }
        return bytes.withUnsafeBufferPointer { Self.decodeNumber($0, entry) }
    }

    /// The boolean at `index`; nil for anything else.
    public func bool(_ index: Int) -> Bool? {
        switch tape[index].kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// Where the value at `index` starts in the text.
    public func offset(_ index: Int) -> Int { Int(tape[index].start) }

    /// The bytes of the text that decide the value at `index`: from its first byte (a string's
    /// opening quote, a container's bracket) to the end of its last scalar, or of its opening
    /// bracket when it is empty. A container's closing brackets are left out: in a text that
    /// was read whole, the bytes before them decide how many there are. Two values whose ranges
    /// hold the same bytes are the same value (for a reader that compares one poll's payload
    /// with the previous one's).
    public func textRange(of index: Int) -> Range<Int> {
        let entry = tape[index]
        let start = entry.kind == .string ? Int(entry.start) - 1 : Int(entry.start)
        switch entry.kind {
        case .object, .array:
            // The last entry inside a container is a scalar or an empty container.
            let last = Int(entry.end) - 1
            if last == index { return start..<(start + 1) }
            return start..<textRange(of: last).upperBound
        case .string: return start..<(Int(entry.end) + 1)
        case .number, .true, .false, .null: return start..<Int(entry.end)
        }
    }

    // MARK: Paths

    /// One step from a value to one inside it.
    public enum PathComponent: Sendable, Equatable {
        case member(String)
        case element(Int)
    }

    /// The steps from the root to the value at `index` (empty for the root). Worked out from the
    /// tape, one pass over the containers on the way: for error messages, not for reading.
    public func path(to index: Int) -> [PathComponent] {
        var components: [PathComponent] = []
        var container = Self.root
        while container != index, index > container, index < next(after: container) {
            let entry = tape[container]
            var child = container + 1
            var position = 0
            var descended = false
            while child < Int(entry.end) {
                let valueIndex = entry.kind == .object ? child + 1 : child
                let after = next(after: valueIndex)
                if index >= valueIndex, index < after {
                    components.append(entry.kind == .object ? .member(string(child)) : .element(position))
                    container = valueIndex
                    descended = true
                    break
                }
                child = after
                position += 1
            }
            if !descended { break }
        }
        return components
    }

    // MARK: Trees

    /// The value at `index` as a tree (an object with a name twice keeps the last value, in the
    /// place of the first).
    public func value(at index: Int) -> JSONValue {
        switch tape[index].kind {
        case .object:
            var members: [(String, JSONValue)] = []
            var positions: [String: Int] = [:]
            for (name, value) in self.members(of: index) {
                let key = string(name)
                let member = self.value(at: value)
                if duplicatesLastWin, let earlier = positions[key] {
                    members[earlier].1 = member
                } else {
                    if duplicatesLastWin { positions[key] = members.count }
                    members.append((key, member))
                }
            }
            return .object(members)
        case .array: return .array(elements(of: index).map { value(at: $0) })
        case .string: return .string(string(index))
        case .number: return .number(number(index) ?? JSONNumber(.nan))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }

    // MARK: Decoding

    static func decodeString(_ bytes: UnsafeBufferPointer<UInt8>, _ entry: Entry) -> String {
        let content = UnsafeBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)])
        guard entry.flags & Entry.hasEscapes != 0 else {
            // Checked as UTF-8 by the parser.
            return String(decoding: content, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var index = 0
        while index < content.count {
            let byte = content[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < content.count else {
                out.append(byte)
                index += 1
                continue
            }
            let escaped = content[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = hex4(content, at: index) ?? 0xFFFD
                index += 4
                if (0xD800...0xDBFF).contains(code), index + 5 < content.count, content[index] == UInt8(ascii: "\\"),
                    content[index + 1] == UInt8(ascii: "u"), let low = hex4(content, at: index + 2), (0xDC00...0xDFFF).contains(low)
                {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                // A lone surrogate cannot be represented in a Swift String: it becomes U+FFFD, as
                // browsers do.
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                UTF8.encode(scalar) { out.append($0) }
            default: out.append(escaped)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of four hex digits at `offset` (nil when they are not there).
    private static func hex4(_ content: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= content.count else { return nil }
        var value: UInt32 = 0
        for position in offset..<(offset + 4) {
            guard let digit = hexDigit(content[position]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The number of a checked entry: its integer value when it is integral and fits in 64 bits.
    static func decodeNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ entry: Entry) -> JSONNumber {
        let start = Int(entry.start)
        let end = Int(entry.end)
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var integer: UInt64? = 0
        var digits = 0
        while index < end, JSONParser.isDigit(bytes[index]) {
            let digit = UInt64(bytes[index] &- UInt8(ascii: "0"))
            if let current = integer {
                let (times, overflow1) = current.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(digit)
                integer = overflow1 || overflow2 ? nil : sum
            }
            digits += 1
            index += 1
        }
        if entry.flags == 0, digits <= 15, let integer {
            // Exact in a double: no text conversion needed.
            let double = Double(integer)
            return JSONNumber(integer: integer, isNegative: negative, double: negative ? -double : double)
        }
        var isIntegral = true
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, JSONParser.isDigit(bytes[index]) {
                if bytes[index] != UInt8(ascii: "0") { isIntegral = false }
                index += 1
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        let double = Double(text) ?? .nan
        if entry.flags & Entry.hasExponent != 0 {
            // 1e2 is the integer 100 for JSON Schema; keep it exact when it is small enough.
            // 1e-400 is no integer, though its double underflows to 0.
            let underflowed = double == 0 && !(integer == 0 && isIntegral)
            if !underflowed, double.rounded() == double, double.magnitude < 9.007_199_254_740_992e15 {
                return JSONNumber(integer: UInt64(double.magnitude), isNegative: double < 0, double: double)
            }
            return JSONNumber(integer: nil, isNegative: double < 0, double: double)
        }
        return JSONNumber(integer: isIntegral ? integer : nil, isNegative: negative, double: double)
    }
}
