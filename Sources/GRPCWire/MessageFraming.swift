public import NIOCore

/// Writes gRPC's length-prefixed messages: a compressed flag byte, a 4-byte big-endian length,
/// then the message bytes.
public enum GRPCMessageFramer {
    public static let prefixLength = 5

    /// Appends one framed message to `buffer`.
    public static func frame(_ message: some GRPCMessage, into buffer: inout ByteBuffer) throws {
        buffer.reserveCapacity(minimumWritableBytes: prefixLength + message.serializedSizeHint)
        let start = buffer.writerIndex
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(0))
        try message.serialize(into: &buffer)
        let length = buffer.writerIndex - start - prefixLength
        guard length <= Int(UInt32.max) else {
            buffer.moveWriterIndex(to: start)
            throw RPCError(.resourceExhausted, "message of \(length) bytes is too large to frame")
        }
        buffer.setInteger(UInt32(length), at: start + 1)
    }
}

/// Reassembles length-prefixed messages from DATA frames, which may split or join messages
/// arbitrarily.
public struct GRPCMessageDeframer: Sendable {
    public enum DeframingError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The message is larger than the configured maximum.
        case messageTooLarge(size: Int, limit: Int)
        /// The peer set the compressed flag, but no compression was negotiated.
        case compressionNotSupported
        /// The compressed flag byte is neither 0 nor 1.
        case invalidFlag(UInt8)

        public var description: String {
            switch self {
            case .messageTooLarge(let size, let limit):
                "message of \(size) bytes exceeds the maximum of \(limit) bytes"
            case .compressionNotSupported:
                "compressed message received, but no compression was negotiated (grpc-encoding: identity)"
            case .invalidFlag(let flag):
                "invalid message flag \(flag)"
            }
        }

        public var status: GRPCStatusCode {
            switch self {
            case .messageTooLarge: .resourceExhausted
            case .compressionNotSupported, .invalidFlag: .internal
            }
        }
    }

    public let maximumMessageSize: Int
    private var buffer: ByteBuffer
    private var pendingLength: Int?

    public init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
        self.buffer = ByteBuffer()
    }

    /// Bytes received but not yet returned as a complete message.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Whether a message has started but not finished (a stream ending now is truncated).
    public var hasPartialMessage: Bool { buffer.readableBytes > 0 }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if buffer.readableBytes == 0 {
            buffer.clear()
        }
        buffer.writeBytes(bytes)
    }

    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if buffer.readableBytes == 0 {
            buffer.clear()
        }
        buffer.writeBuffer(&bytes)
    }

    /// The next complete message, or nil if more bytes are needed.
    public mutating func next() throws(DeframingError) -> ByteBuffer? {
        if pendingLength == nil {
            guard buffer.readableBytes >= GRPCMessageFramer.prefixLength,
                let flag = buffer.readInteger(as: UInt8.self),
                let length = buffer.readInteger(as: UInt32.self)
            else { return nil }
            switch flag {
            case 0: break
            case 1: throw .compressionNotSupported
            default: throw .invalidFlag(flag)
            }
            guard Int(length) <= maximumMessageSize else {
                throw .messageTooLarge(size: Int(length), limit: maximumMessageSize)
            }
            pendingLength = Int(length)
        }
        guard let length = pendingLength, let message = buffer.readSlice(length: length) else {
            return nil
        }
        pendingLength = nil
        return message
    }
}
