import CourtsideProto
import CourtsideRPC

/// Mutates a valid request where a hostile client would: one field at a time, knowing its type
/// from the schema. Numbers go to their boundaries, strings to their limits and to bytes no
/// Swift String can hold, repeated fields to 0, 1, many and duplicated elements, enums out of
/// range, nested messages missing, empty or corrupted, fields dropped, repeated, reordered, of
/// the wrong wire type, or unknown. Every mutation says what it did (`events[0].state.period =
/// 2^32`), so a finding can be read without a debugger.
struct StructuralMutator {
    /// Strings worth trying per field name: ids that exist, so that a mutation reaches the
    /// handler's logic instead of its first check.
    let dictionary: [String: [String]]
    /// Valid encodings of assorted messages, to put where a different message is expected.
    let foreignMessages: [[UInt8]]

    /// Applies one mutation to a field chosen evenly among all the fields of the message and
    /// of the nested messages present (so a deep number is as likely a target as a top-level
    /// string), or adds an unknown field, or reorders the fields of one message.
    func mutate(_ message: inout WireMessage, schema: MessageSchema, random: inout Generator) -> String {
        let sites = Self.sites(in: message, schema: schema, path: [], label: "")
        let site = random.pick(sites)
        return mutate(&message, at: site, along: site.path[...], random: &random)
    }

    /// A place to mutate: a field of the message reached through `path` (indices of fields
    /// holding nested messages), or that message as a whole when `field` is nil.
    struct Site {
        let path: [Int]
        let schema: MessageSchema
        let field: FieldSchema?
        let label: String
    }

    static func sites(in message: WireMessage, schema: MessageSchema, path: [Int], label: String) -> [Site] {
        var sites = [Site(path: path, schema: schema, field: nil, label: label)]
        sites += schema.fields.map { Site(path: path, schema: schema, field: $0, label: label + $0.name) }
        for (index, field) in message.fields.enumerated() {
            guard let fieldSchema = schema.field(number: field.number), case .message(let inner) = fieldSchema.kind,
                case .lengthDelimited(let bytes) = field.value, let innerMessage = WireMessage(parsing: bytes)
            else { continue }
            let occurrence = message.indices(of: field.number).firstIndex(of: index) ?? 0
            let innerLabel = Self.label(fieldSchema, occurrence: occurrence, path: label) + "."
            sites += Self.sites(in: innerMessage, schema: inner, path: path + [index], label: innerLabel)
        }
        return sites
    }

    private func mutate(_ message: inout WireMessage, at site: Site, along path: ArraySlice<Int>, random: inout Generator) -> String {
        if let index = path.first {
            guard case .lengthDelimited(let bytes) = message.fields[index].value, var inner = WireMessage(parsing: bytes) else {
                return "nothing (the nested message no longer parses)"
            }
            let description = mutate(&inner, at: site, along: path.dropFirst(), random: &random)
            message.fields[index].value = .lengthDelimited(inner.encoded)
            return description
        }
        guard let field = site.field else {
            if random.chance(0.3), message.fields.count > 1 {
                message.fields.shuffle(using: &random)
                return "\(site.label.isEmpty ? "" : site.label)fields in another order"
            }
            return addUnknownField(&message, schema: site.schema, path: site.label, random: &random)
        }
        return mutate(&message, field: field, label: site.label, random: &random)
    }

    // MARK: One field

    private func mutate(_ message: inout WireMessage, field: FieldSchema, label: String, random: inout Generator) -> String {
        let present = message.indices(of: field.number)
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            message.fields.removeAll { $0.number == field.number }
            return "\(label): dropped"
        case 1 where !present.isEmpty:
            let index = random.pick(present)
            message.fields.insert(message.fields[index], at: random.chance(0.5) ? index + 1 : message.fields.count)
            return "\(label): sent twice"
        case 2:
            let wrong = random.pick(WireMessage.WireType.allCases.filter { $0 != field.wireType })
            let value: WireMessage.Value
            switch wrong {
            case .varint: value = .varint(random.pick(Self.unsignedBoundaries))
            case .fixed64: value = .fixed64(random.next())
            case .fixed32: value = .fixed32(UInt32.random(in: 0...UInt32.max, using: &random))
            case .lengthDelimited: value = .lengthDelimited(random.bytes(count: Int.random(in: 0...12, using: &random)))
            }
            set(&message, field: field, value: value, random: &random)
            return "\(label): as wire type \(wrong.rawValue) instead of \(field.wireType.rawValue)"
        case 3 where field.isRepeated, 4 where field.isRepeated:
            return resize(&message, field: field, label: label, random: &random)
        default:
            let (value, description) = interestingValue(for: field, current: present.map { message.fields[$0].value }, random: &random)
            set(&message, field: field, value: value, random: &random)
            return "\(label) = \(description)"
        }
    }

    /// Replaces one occurrence of the field (or adds one).
    private func set(_ message: inout WireMessage, field: FieldSchema, value: WireMessage.Value, random: inout Generator) {
        let present = message.indices(of: field.number)
        if present.isEmpty || (field.isRepeated && random.chance(0.3)) {
            message.fields.insert(
                WireMessage.Field(number: field.number, value: value), at: Int.random(in: 0...message.fields.count, using: &random))
        } else {
            message.fields[random.pick(present)].value = value
        }
    }

    /// 0, 1, a few, or a limit's worth (and one more) of elements, repeating those present.
    private func resize(_ message: inout WireMessage, field: FieldSchema, label: String, random: inout Generator) -> String {
        let present = message.indices(of: field.number).map { message.fields[$0] }
        var elements = present.flatMap { Self.unpacked($0.value, field: field) }
        if elements.isEmpty {
            elements = [interestingValue(for: field, current: [], random: &random).value]
        }
        let packed = field.wireType != .lengthDelimited && random.chance(0.5)
        let insertAt = message.fields.firstIndex { $0.number == field.number } ?? message.fields.count
        message.fields.removeAll { $0.number == field.number }
        if random.chance(0.25), let element = elements.first {
            let list = [element, element] + elements.dropFirst()
            message.fields.insert(contentsOf: Self.fields(list, field: field, packed: packed), at: insertAt)
            return "\(label): \(list.count) elements, the first one twice"
        }
        let elementBytes = max(1, WireMessage(fields: Self.fields([elements[0]], field: field, packed: false)).encoded.count)
        var count = random.pick(Self.elementCounts)
        count = min(count, Self.maximumResizedBytes / elementBytes)
        let list = (0..<count).map { elements[$0 % elements.count] }
        message.fields.insert(contentsOf: Self.fields(list, field: field, packed: packed), at: min(insertAt, message.fields.count))
        return "\(label): \(count) elements\(packed ? " (packed)" : "")"
    }

    private func addUnknownField(_ message: inout WireMessage, schema: MessageSchema, path: String, random: inout Generator) -> String {
        let number = random.pick([schema.firstUnknownNumber, 15, 16, 2047, 2048, 19000, 536_870_911])
        let value: WireMessage.Value =
            switch Int.random(in: 0..<4, using: &random) {
            case 0: .varint(random.pick(Self.unsignedBoundaries))
            case 1: .fixed64(random.next())
            case 2: .fixed32(UInt32.random(in: 0...UInt32.max, using: &random))
            default: .lengthDelimited(random.bytes(count: Int.random(in: 0...32, using: &random)))
            }
        message.fields.insert(WireMessage.Field(number: number, value: value), at: Int.random(in: 0...message.fields.count, using: &random))
        return "\(path)<unknown field \(number), wire type \(value.wireType.rawValue)>"
    }

    // MARK: Values

    /// A value of the field's own type that is worth sending, and how to say it.
    private func interestingValue(
        for field: FieldSchema, current: [WireMessage.Value], random: inout Generator
    ) -> (value: WireMessage.Value, description: String) {
        switch field.kind {
        case .unsigned64, .fixed64:
            let value = random.pick(Self.unsignedBoundaries)
            return (field.wireType == .fixed64 ? .fixed64(value) : .varint(value), Self.describe(value))
        case .unsigned32, .fixed32:
            let value = random.pick(Self.unsignedBoundaries + [UInt64(Int32.max), UInt64(UInt32.max)])
            return (field.wireType == .fixed32 ? .fixed32(UInt32(truncatingIfNeeded: value)) : .varint(value), Self.describe(value))
        case .signed32, .signed64:
            let value = random.pick(Self.unsignedBoundaries + Self.negativeBoundaries.map { UInt64(bitPattern: $0) })
            return (.varint(value), Self.describe(value, signed: true))
        case .zigzag32, .zigzag64:
            let signed = random.pick(Self.negativeBoundaries + [0, 1, Int64.max, Int64(Int32.max)])
            return (.varint(UInt64(bitPattern: (signed << 1) ^ (signed >> 63))), "\(signed) (zigzag)")
        case .bool:
            let value = random.pick([0, 1, 2, 0x80, UInt64.max] as [UInt64])
            return (.varint(value), Self.describe(value))
        case .enumeration(let defined):
            let highest = Int64(defined.max() ?? 0)
            let candidates: [Int64] =
                [highest + 1, 1000, Int64(Int32.max), Int64(Int32.min), -1, 1 << 32 | 1, Int64.max] + defined.map(Int64.init)
            let value = random.pick(candidates)
            return (
                .varint(UInt64(bitPattern: value)), defined.contains { Int64($0) == value } ? "\(value) (defined)" : "\(value) (undefined)"
            )
        case .string, .bytes:
            var currentBytes: [UInt8] = []
            if case .lengthDelimited(let bytes)? = current.first { currentBytes = bytes }
            let (bytes, description) = hostileString(fieldName: field.name, current: currentBytes, random: &random)
            return (.lengthDelimited(bytes), description)
        case .message:
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                return (.lengthDelimited([]), "empty message")
            case 1 where !foreignMessages.isEmpty:
                return (.lengthDelimited(random.pick(foreignMessages)), "a message of another type")
            default:
                var inner: [UInt8] = []
                if case .lengthDelimited(let bytes)? = current.first { inner = bytes }
                let (bytes, description) = ByteMutator.mutate(inner, random: &random)
                return (.lengthDelimited(bytes), "corrupted message (\(description))")
            }
        }
    }

    /// Strings a handler must refuse or survive: empty, at and over plausible limits (in ASCII
    /// and in 2-byte characters), huge, invalid UTF-8 or NUL spliced into the valid value,
    /// control characters, odd Unicode, and the ids that exist.
    private func hostileString(fieldName: String, current: [UInt8], random: inout Generator) -> (bytes: [UInt8], description: String) {
        func spliced(_ insert: [UInt8]) -> [UInt8] {
            var bytes = current
            bytes.insert(contentsOf: insert, at: Int.random(in: 0...bytes.count, using: &random))
            return bytes
        }
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            return ([], "\"\" (empty)")
        case 1, 2:
            let known = dictionary[fieldName] ?? []
            guard !known.isEmpty else { return (Array(current.reversed()), "its value reversed") }
            let value = random.pick(known)
            return (Array(value.utf8), "\"\(FieldCheck.shown(value))\" (known)")
        case 3:
            let limit = random.pick(Self.lengthLimits)
            let length = limit + Int.random(in: 0...1, using: &random)
            if random.chance(0.5) {
                return ([UInt8](repeating: UInt8(ascii: "x"), count: length), "\(length) ASCII bytes")
            }
            // "é" is 2 bytes: a limit counted in characters instead of bytes lets this through.
            let bytes =
                Array([[UInt8]](repeating: [0xC3, 0xA9], count: length / 2).joined()) + (length % 2 == 1 ? [UInt8(ascii: "x")] : [])
            return (bytes, "\(length) bytes of 2-byte characters")
        case 4:
            let length = random.chance(0.9) ? 65_536 : (4 << 20) + 1
            return ([UInt8](repeating: UInt8(ascii: "y"), count: length), "\(length) bytes")
        case 5:
            let sequence = random.pick(Self.invalidUTF8)
            return (spliced(sequence), "invalid UTF-8 \(sequence.map { String($0, radix: 16) }) spliced in")
        case 6:
            return (spliced([0]), "NUL byte spliced in")
        case 7:
            let text = random.pick(Self.oddCharacters)
            return (spliced(Array(text.utf8)), "\(text.unicodeScalars.map { "U+" + String($0.value, radix: 16) }) spliced in")
        case 8:
            let text = random.pick(Self.oddTexts)
            return (Array(text.utf8), "\"\(FieldCheck.shown(text))\"")
        default:
            let cut = Int.random(in: 0...current.count, using: &random)
            return (Array(current.prefix(cut)) + current, "its value with a prefix of itself")
        }
    }

    // MARK: Helpers

    static let unsignedBoundaries: [UInt64] = [0, 1, 1 << 31, 1 << 32, 1 << 53, UInt64(Int64.max), 1 << 63, .max]
    static let negativeBoundaries: [Int64] = [-1, Int64(Int32.min), -(1 << 53), .min]
    static let elementCounts = [0, 1, 2, 16, 17, 100, 101, 1000, 1001, 10_000, 10_001]
    static let lengthLimits = [64, 128, 200, 256, 1024, 4096]
    /// Control characters (C0, DEL, C1), spaces of several kinds, an invisible and a
    /// right-to-left mark, a 4-byte character, a combining accent.
    static let oddCharacters = ["\n", "\t", "\r\n", "\u{7F}", "\u{85}", " ", "\u{A0}", "\u{2028}", "\u{200B}", "\u{202E}", "🏀", "e\u{301}"]
    /// Format strings, SQL, paths, page tokens and dates that parsers get wrong.
    static let oddTexts = [
        "%s%n%x", "'; DROP TABLE games; --", "../../etc/passwd", "p1.18446744073709551615.1", "p1.-1.-1", "p1..", "0000-00-00",
        "2024-02-30", "9999-12-31", "-0001-01-01",
    ]
    /// A lone continuation byte, an overlong NUL, a surrogate, a truncated sequence, beyond U+10FFFF, 0xFF.
    static let invalidUTF8: [[UInt8]] = [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xFF]]
    /// A resized repeated field stays below the 4 MiB message limit (another mutation tests that).
    static let maximumResizedBytes = 3 << 20

    static func describe(_ value: UInt64, signed: Bool = false) -> String {
        if signed, Int64(bitPattern: value) < 0 { return "\(Int64(bitPattern: value))" }
        switch value {
        case 1 << 31: return "2^31"
        case 1 << 32: return "2^32"
        case 1 << 53: return "2^53"
        case UInt64(Int64.max): return "2^63-1"
        case 1 << 63: return "2^63"
        case .max: return "2^64-1"
        case UInt64(UInt32.max): return "2^32-1"
        case UInt64(Int32.max): return "2^31-1"
        default: return "\(value)"
        }
    }

    static func label(_ field: FieldSchema, occurrence: Int?, path: String) -> String {
        guard field.isRepeated, let occurrence else { return path + field.name }
        return "\(path)\(field.name)[\(occurrence)]"
    }

    /// The elements of one occurrence of a repeated field (a packed one holds several).
    static func unpacked(_ value: WireMessage.Value, field: FieldSchema) -> [WireMessage.Value] {
        guard field.wireType == .varint, case .lengthDelimited(let bytes) = value else { return [value] }
        // A packed list is a run of varints: parse it as fields of number 1 by prefixing keys.
        var elements: [WireMessage.Value] = []
        var offset = 0
        while offset < bytes.count {
            var end = offset
            while end < bytes.count, bytes[end] & 0x80 != 0 { end += 1 }
            guard end < bytes.count, let parsed = WireMessage(parsing: [0x08] + bytes[offset...end]), let first = parsed.fields.first else {
                break
            }
            elements.append(first.value)
            offset = end + 1
        }
        return elements
    }

    /// Fields for a list of elements: one each, or one packed field for varints.
    static func fields(_ elements: [WireMessage.Value], field: FieldSchema, packed: Bool) -> [WireMessage.Field] {
        guard packed else { return elements.map { WireMessage.Field(number: field.number, value: $0) } }
        let payload = elements.flatMap { element -> [UInt8] in
            if case .varint(let number) = element { return WireMessage.varint(number) }
            return []
        }
        return [WireMessage.Field(number: field.number, value: .lengthDelimited(payload))]
    }
}
