public import NIOCore

/// A message that can travel in a gRPC call: it knows how to write and read its own bytes.
///
/// The generated protobuf types conform through protobuf-c; `RawBytes` passes bytes through.
public protocol GRPCMessage: Sendable {
    /// Decodes a message from its serialized bytes; throws if they are malformed.
    init(serializedBytes: UnsafeRawBufferPointer) throws
    /// Appends the serialized message to `buffer`.
    func serialize(into buffer: inout ByteBuffer) throws
}

extension GRPCMessage {
    /// Decodes a message from the readable bytes of a buffer.
    public init(buffer: ByteBuffer) throws {
        self = try buffer.withUnsafeReadableBytes { try Self(serializedBytes: $0) }
    }

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

    public func serialize(into buffer: inout ByteBuffer) {
        var copy = self.buffer
        buffer.writeBuffer(&copy)
    }
}
