import CCourtsideProtos
import ProtobufC

/// The shape of a protobuf message as the mutator needs it: field numbers, names, types and
/// whether they repeat. Read from the protobuf-c descriptors the services decode with, so it
/// always matches proto/.
///
/// `@unchecked Sendable`: descriptors are immutable static data of the generated C code.
struct MessageSchema: @unchecked Sendable {
    let descriptor: UnsafePointer<ProtobufCMessageDescriptor>

    init<Message: ProtobufCConvertible>(_: Message.Type) {
        descriptor = Message.cDescriptor
    }

    init(descriptor: UnsafePointer<ProtobufCMessageDescriptor>) {
        self.descriptor = descriptor
    }

    /// "courtside.v1.Event".
    var name: String { ProtobufCWireValidator.name(of: descriptor) }

    var fields: [FieldSchema] {
        guard let fields = descriptor.pointee.fields else { return [] }
        return (0..<Int(descriptor.pointee.n_fields)).map { FieldSchema(fields[$0]) }
    }

    func field(number: UInt64) -> FieldSchema? {
        fields.first { $0.number == number }
    }

    /// One past the highest field number: the smallest number the message does not define.
    var firstUnknownNumber: UInt64 {
        (fields.map(\.number).max() ?? 0) + 1
    }
}

struct FieldSchema: Sendable {
    /// The protobuf types the mutator treats differently.
    enum Kind: Sendable {
        case unsigned32, unsigned64, signed32, signed64, zigzag32, zigzag64, bool
        /// The values the enum defines, ascending.
        case enumeration([Int32])
        case fixed32, fixed64
        case string, bytes
        case message(MessageSchema)
    }

    let name: String
    let number: UInt64
    let isRepeated: Bool
    let kind: Kind

    init(_ field: ProtobufCFieldDescriptor) {
        name = field.name.map { String(cString: $0) } ?? "field\(field.id)"
        number = UInt64(field.id)
        isRepeated = field.label == PROTOBUF_C_LABEL_REPEATED
        switch field.type {
        case PROTOBUF_C_TYPE_UINT32: kind = .unsigned32
        case PROTOBUF_C_TYPE_UINT64: kind = .unsigned64
        case PROTOBUF_C_TYPE_INT32: kind = .signed32
        case PROTOBUF_C_TYPE_INT64: kind = .signed64
        case PROTOBUF_C_TYPE_SINT32: kind = .zigzag32
        case PROTOBUF_C_TYPE_SINT64: kind = .zigzag64
        case PROTOBUF_C_TYPE_BOOL: kind = .bool
        case PROTOBUF_C_TYPE_ENUM:
            let values = field.descriptor.map { raw -> [Int32] in
                let enumeration = raw.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee
                guard let values = enumeration.values else { return [] }
                return (0..<Int(enumeration.n_values)).map { values[$0].value }
            }
            kind = .enumeration(values ?? [])
        case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT: kind = .fixed32
        case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE: kind = .fixed64
        case PROTOBUF_C_TYPE_STRING: kind = .string
        case PROTOBUF_C_TYPE_MESSAGE:
            if let raw = field.descriptor {
                kind = .message(MessageSchema(descriptor: raw.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)))
            } else {
                kind = .bytes
            }
        default: kind = .bytes
        }
    }

    /// The wire type the field's values travel with.
    var wireType: WireMessage.WireType {
        switch kind {
        case .fixed32: .fixed32
        case .fixed64: .fixed64
        case .string, .bytes, .message: .lengthDelimited
        default: .varint
        }
    }
}
