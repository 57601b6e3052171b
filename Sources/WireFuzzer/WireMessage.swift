/// A protobuf message as its fields on the wire, in the order they came: enough to drop,
/// repeat, reorder and rewrite fields, and to encode what no Swift value can hold (invalid
/// UTF-8, a 64-bit number in a 32-bit field, a field of the wrong wire type).
struct WireMessage: Hashable, Sendable {
    enum WireType: UInt64, Sendable, CaseIterable {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    enum Value: Hashable, Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited([UInt8])
        case fixed32(UInt32)

        var wireType: WireType {
            switch self {
            case .varint: .varint
            case .fixed64: .fixed64
            case .lengthDelimited: .lengthDelimited
            case .fixed32: .fixed32
            }
        }
    }

    struct Field: Hashable, Sendable {
        var number: UInt64
        var value: Value
    }

    var fields: [Field]

    init(fields: [Field] = []) {
        self.fields = fields
    }

    /// Parses well-formed protobuf; nil for anything else (truncation, groups, bad wire types).
    init?(parsing bytes: [UInt8]) {
        var fields: [Field] = []
        var offset = 0
        while offset < bytes.count {
            guard let key = Self.readVarint(bytes, &offset), key >> 3 >= 1, let wireType = WireType(rawValue: key & 7) else { return nil }
            let value: Value
            switch wireType {
            case .varint:
                guard let number = Self.readVarint(bytes, &offset) else { return nil }
                value = .varint(number)
            case .fixed64:
                guard bytes.count - offset >= 8 else { return nil }
                value = .fixed64((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) })
                offset += 8
            case .fixed32:
                guard bytes.count - offset >= 4 else { return nil }
                value = .fixed32((0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) })
                offset += 4
            case .lengthDelimited:
                guard let length = Self.readVarint(bytes, &offset), length <= UInt64(bytes.count - offset) else { return nil }
                value = .lengthDelimited(Array(bytes[offset..<offset + Int(length)]))
                offset += Int(length)
            }
            fields.append(Field(number: key >> 3, value: value))
        }
        self.fields = fields
    }

    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            bytes += Self.varint(field.number << 3 | field.value.wireType.rawValue)
            switch field.value {
            case .varint(let number):
                bytes += Self.varint(number)
            case .fixed64(let number):
                bytes += (0..<8).map { UInt8(truncatingIfNeeded: number >> (8 * UInt64($0))) }
            case .fixed32(let number):
                bytes += (0..<4).map { UInt8(truncatingIfNeeded: number >> (8 * UInt32($0))) }
            case .lengthDelimited(let payload):
                bytes += Self.varint(UInt64(payload.count))
                bytes += payload
            }
        }
        return bytes
    }

    /// The indices of the fields with this number.
    func indices(of number: UInt64) -> [Int] {
        fields.indices.filter { fields[$0].number == number }
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    private static func readVarint(_ bytes: [UInt8], _ offset: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}
