public import NIOCore

/// Builds complete, unmasked server frames (header + payload) as one `ByteBuffer`, so that one
/// buffer can be written unchanged to every connection that needs it.
public enum WebSocketFrames {
    public static let text: UInt8 = 0x1
    public static let binary: UInt8 = 0x2
    public static let close: UInt8 = 0x8
    public static let ping: UInt8 = 0x9
    public static let pong: UInt8 = 0xA

    /// A final frame of `opcode` carrying `payload`.
    public static func frame(opcode: UInt8, payload: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var payload = payload
        var frame = allocator.buffer(capacity: payload.readableBytes + 10)
        writeHeader(opcode: opcode, length: payload.readableBytes, into: &frame)
        frame.writeBuffer(&payload)
        return frame
    }

    /// A text frame of JSON.
    public static func text(_ json: ByteBuffer) -> ByteBuffer {
        frame(opcode: text, payload: json)
    }

    /// The header of a final, unmasked frame.
    public static func writeHeader(opcode: UInt8, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(0x80 | opcode)
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }

    /// A close frame with a status code and a reason (cut to fit the 125-byte control payload
    /// at a character boundary).
    public static func close(code: UInt16, reason: String) -> ByteBuffer {
        var payload = ByteBufferAllocator().buffer(capacity: 125)
        payload.writeInteger(code)
        var used = 0
        for scalar in reason.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if used + encoded.count > 123 { break }
            payload.writeBytes(encoded)
            used += encoded.count
        }
        return frame(opcode: close, payload: payload)
    }
}
