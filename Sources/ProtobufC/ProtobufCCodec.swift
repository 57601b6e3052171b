internal import CProtobufC
package import NIOCore

/// Encodes and decodes messages with protobuf-c.
package enum ProtobufCCodec {
    /// Decodes a message: the bytes are first checked by `ProtobufCWireValidator` (structure and
    /// nesting depth), then unpacked by protobuf-c and copied into Swift values.
    package static func decode<Message: ProtobufCConvertible>(
        _: Message.Type,
        from bytes: UnsafeRawBufferPointer
    ) throws -> Message {
        let descriptor = Message.cDescriptor
        try ProtobufCWireValidator.validate(bytes, descriptor: descriptor)
        let emptyByte: UInt8 = 0
        return try withUnsafePointer(to: emptyByte) { empty in
            let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty
            guard let message = Message.cUnpack(bytes.count, base) else {
                throw ProtobufCDecodingError(
                    messageName: ProtobufCWireValidator.name(of: descriptor),
                    reason: "protobuf-c rejected the bytes (wrong wire type for a field, or invalid UTF-8 in a string)"
                )
            }
            defer { Message.cFree(message) }
            return Message(cMessage: message)
        }
    }

    /// Appends the message's protobuf encoding to `buffer`.
    package static func encode<Message: ProtobufCConvertible>(_ message: Message, into buffer: inout ByteBuffer) {
        let arena = ProtobufCArena()
        let cMessage = arena.allocate(Message.CMessage.self)
        message.fill(cMessage, arena: arena)
        let size = Message.cPackedSize(cMessage)
        guard size > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            Message.cPack(cMessage, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        withExtendedLifetime(arena) {}
    }
}
