public import NIOCore

/// A message that can travel in a gRPC call: it knows how to write and read its own bytes.
///
/// The generated protobuf types conform through protobuf-c; `RawBytes` passes bytes through.
public protocol GRPCMessage: Sendable {
    /// Decodes a message from its serialized bytes; throws if they are malformed.
    init(serializedBytes: UnsafeRawBufferPointer) throws
    /// Decodes a message from the readable bytes of a buffer (by default through
    /// `init(serializedBytes:)`; a type that can keep the buffer itself avoids a copy).
    init(buffer: ByteBuffer) throws
    /// Appends the serialized message to `buffer`.
    func serialize(into buffer: inout ByteBuffer) throws
    /// About how many bytes `serialize` appends, so that a framed message is allocated once
    /// (by default a guess that fits small messages; larger ones grow the buffer once).
    var serializedSizeHint: Int { get }
}

extension GRPCMessage {
    public init(buffer: ByteBuffer) throws {
        self = try buffer.withUnsafeReadableBytes { try Self(serializedBytes: $0) }
    }

    public var serializedSizeHint: Int { 128 }

    /// The serialized bytes, as an array (for tests and tools).
    public func serializedBytes() throws -> [UInt8] {
        var buffer = ByteBuffer()
        try serialize(into: &buffer)
        return Array(buffer.readableBytesView)
    }
}

/// Message bytes passed through as they are (no protobuf): used by the benchmark service and by
/// tests that need to send deliberately malformed messages.
public struct RawBytes: GRPCMessage, Hashable {
    public var buffer: ByteBuffer

    public init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    public init(_ bytes: [UInt8]) {
        self.buffer = ByteBuffer(bytes: bytes)
    }

    public init(serializedBytes: UnsafeRawBufferPointer) {
        self.buffer = ByteBuffer(bytes: serializedBytes)
    }

    /// Keeps the received bytes as they are (a slice of the receive buffer), without copying.
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    public var serializedSizeHint: Int { buffer.readableBytes }

    public func serialize(into buffer: inout ByteBuffer) {
        var copy = self.buffer
        buffer.writeBuffer(&copy)
    }
}
