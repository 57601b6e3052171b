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
    /// Bytes not yet part of a large message: prefixes and small messages (sliced out of it).
    private var buffer: ByteBuffer
    private var pendingLength: Int?
    /// A message of more than `largeMessageThreshold` bytes being received, in a buffer of
    /// exactly its size (growing a buffer by doubling would hold up to twice the message).
    private var largeMessage: ByteBuffer?
    private var largeMessageMissing = 0

    /// Messages larger than this get a buffer of their own, allocated when their prefix arrives.
    static let largeMessageThreshold = 64 << 10

    public init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
        self.buffer = ByteBuffer()
    }

    /// Bytes received but not yet returned as a complete message.
    public var bufferedBytes: Int { buffer.readableBytes + (largeMessage?.readableBytes ?? 0) }

    /// Memory held for messages not yet returned, as a budget counts it: the whole buffer while
    /// it holds bytes, and the whole buffer of a large message from the moment its prefix
    /// announced it. (An empty buffer keeps at most `largeMessageThreshold` of capacity.)
    public var heldBytes: Int {
        (buffer.readableBytes > 0 ? buffer.capacity : 0) + (largeMessage?.capacity ?? 0)
    }

    /// The capacity of the buffer for prefixes and small messages (tests check it stays small).
    var bufferCapacity: Int { buffer.capacity }

    /// Whether a message has started but not finished (a stream ending now is truncated).
    public var hasPartialMessage: Bool { buffer.readableBytes > 0 || largeMessage != nil }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var bytes = bytes
        if largeMessage != nil {
            let take = min(bytes.count, largeMessageMissing)
            largeMessage!.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[..<take]))
            largeMessageMissing -= take
            bytes = UnsafeRawBufferPointer(rebasing: bytes[take...])
            if bytes.isEmpty { return }
        }
        if buffer.readableBytes == 0 {
            if buffer.capacity > Self.largeMessageThreshold {
                // Give back what a burst of small messages made it grow to.
                buffer = ByteBuffer()
            } else {
                buffer.clear()
            }
        } else if buffer.readerIndex >= Self.largeMessageThreshold {
            // A stream whose DATA frames keep ending inside a message never empties the buffer:
            // drop what was read, or it grows by everything the stream ever sent.
            buffer.discardReadBytes()
        }
        buffer.writeBytes(bytes)
    }

    public mutating func append(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { append($0) }
    }

    /// The next complete message, or nil if more bytes are needed.
    public mutating func next() throws(DeframingError) -> ByteBuffer? {
        if let message = largeMessage {
            guard largeMessageMissing == 0 else { return nil }
            largeMessage = nil
            return message
        }
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
            // UInt32 always fits in Int on the 64-bit platforms this runs on.
            let size = Int(length)
            guard size <= maximumMessageSize else {
                throw .messageTooLarge(size: size, limit: maximumMessageSize)
            }
            if size > Self.largeMessageThreshold && buffer.readableBytes < size {
                startLargeMessage(size: size)
                return nil
            }
            pendingLength = size
        }
        guard let length = pendingLength, let message = buffer.readSlice(length: length) else {
            return nil
        }
        pendingLength = nil
        return message
    }

    /// Moves what arrived of a large message into a buffer of its exact size.
    private mutating func startLargeMessage(size: Int) {
        var message = ByteBufferAllocator().buffer(capacity: size)
        message.writeBuffer(&buffer)
        largeMessage = message
        largeMessageMissing = size - message.readableBytes
        buffer = ByteBuffer()
    }
}
