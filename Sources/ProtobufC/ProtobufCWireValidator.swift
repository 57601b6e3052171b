package import CProtobufC

/// Walks protobuf bytes with the message's protobuf-c descriptor before protobuf-c unpacks them:
/// every tag, varint and length is checked against the bytes available, groups are refused,
/// sub-messages may nest at most `ProtobufCLimits.maximumNestingDepth` deep, and every `string`
/// field must be valid UTF-8 without NUL bytes (proto3 requires UTF-8, which protobuf-c does not
/// check, and it hands strings over NUL-terminated: "a\0b" would silently become "a"). The walk
/// itself recurses only as deep as that limit.
package enum ProtobufCWireValidator {
    package static func validate(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        maximumDepth: Int = ProtobufCLimits.maximumNestingDepth
    ) throws {
        var reader = Reader(bytes: bytes)
        try walk(&reader, end: bytes.count, descriptor: descriptor, depth: 1, maximumDepth: maximumDepth, root: descriptor)
    }

    package static func name(of descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> String {
        descriptor.pointee.name.map { String(cString: $0) } ?? "message"
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func varint(limit: Int) -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while offset < limit {
                let byte = bytes[offset]
                offset += 1
                if shift == 63 && byte > 1 { return nil }
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { return nil }
            }
            return nil
        }
    }

    private static func walk(
        _ reader: inout Reader,
        end: Int,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        depth: Int,
        maximumDepth: Int,
        root: UnsafePointer<ProtobufCMessageDescriptor>
    ) throws {
        func fail(_ reason: String) -> ProtobufCDecodingError {
            ProtobufCDecodingError(messageName: name(of: root), reason: reason)
        }
        if depth > maximumDepth {
            throw fail("messages nest deeper than \(maximumDepth) levels")
        }
        while reader.offset < end {
            let tagOffset = reader.offset
            guard let key = reader.varint(limit: end) else {
                throw fail("truncated or overlong tag at byte \(tagOffset)")
            }
            let fieldNumber = key >> 3
            let wireType = key & 7
            guard fieldNumber >= 1, fieldNumber <= 536_870_911 else {
                throw fail("invalid field number \(fieldNumber) at byte \(tagOffset)")
            }
            switch wireType {
            case 0:
                guard reader.varint(limit: end) != nil else {
                    throw fail("truncated varint for field \(fieldNumber)")
                }
            case 1, 5:
                let width = wireType == 1 ? 8 : 4
                guard end - reader.offset >= width else {
                    throw fail("truncated \(width)-byte value for field \(fieldNumber)")
                }
                reader.offset += width
            case 2:
                guard let length = reader.varint(limit: end), length <= UInt64(end - reader.offset) else {
                    throw fail("length of field \(fieldNumber) runs past the end of the message")
                }
                let fieldEnd = reader.offset + Int(length)
                if let field = fieldDescriptor(of: UInt32(fieldNumber), in: descriptor) {
                    if field.pointee.type == PROTOBUF_C_TYPE_MESSAGE, let sub = field.pointee.descriptor {
                        let subDescriptor = sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                        try walk(
                            &reader, end: fieldEnd, descriptor: subDescriptor, depth: depth + 1, maximumDepth: maximumDepth, root: root)
                    } else if field.pointee.type == PROTOBUF_C_TYPE_STRING,
                        !isText(UnsafeRawBufferPointer(rebasing: reader.bytes[reader.offset..<fieldEnd]))
                    {
                        throw fail("field \(fieldNumber) is a string but holds invalid UTF-8 or a NUL byte")
                    }
                }
                reader.offset = fieldEnd
            case 3, 4:
                throw fail("groups (wire type \(wireType)) are not supported, field \(fieldNumber)")
            default:
                throw fail("invalid wire type \(wireType) for field \(fieldNumber)")
            }
        }
    }

    /// Whether bytes are UTF-8 without a NUL byte.
    private static func isText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // Most strings are ASCII: checked byte by byte without decoding.
        var asciiEnd = 0
        while asciiEnd < bytes.count, bytes[asciiEnd] < 0x80 {
            if bytes[asciiEnd] == 0 { return false }
            asciiEnd += 1
        }
        if asciiEnd == bytes.count { return true }
        var iterator = UnsafeRawBufferPointer(rebasing: bytes[asciiEnd...]).makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == 0 { return false }
            case .emptyInput:
                return true
            case .error:
                return false
            }
        }
    }

    /// The descriptor of a field, or nil if the message has no field with that number.
    private static func fieldDescriptor(
        of fieldNumber: UInt32,
        in descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> UnsafePointer<ProtobufCFieldDescriptor>? {
        let count = Int(descriptor.pointee.n_fields)
        guard let fields = descriptor.pointee.fields, count > 0 else { return nil }
        // protoc-c emits fields sorted by number.
        var low = 0
        var high = count - 1
        while low <= high {
            let middle = (low + high) / 2
            let field = fields[middle]
            if field.id == fieldNumber {
                return fields + middle
            }
            if field.id < fieldNumber {
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return nil
    }
}
