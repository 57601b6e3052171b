package import CProtobufC

/// Helpers the generated code uses to copy values out of unpacked C messages.
package enum ProtobufCRuntime {
    package static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    package static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard let base = data.data, data.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    package static func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int) -> [String] {
        guard let pointer, count > 0 else { return [] }
        return (0..<count).map { string(pointer[$0]) }
    }

    package static func byteArrays(_ pointer: UnsafeMutablePointer<ProtobufCBinaryData>?, count: Int) -> [[UInt8]] {
        guard let pointer, count > 0 else { return [] }
        return (0..<count).map { bytes(pointer[$0]) }
    }

    package static func scalars<T>(_ pointer: UnsafeMutablePointer<T>?, count: Int) -> [T] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    package static func messages<Message: ProtobufCConvertible>(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Message.CMessage>?>?,
        count: Int,
        as _: Message.Type
    ) -> [Message] {
        guard let pointer, count > 0 else { return [] }
        return (0..<count).compactMap { index in
            pointer[index].map { Message(cMessage: $0) }
        }
    }
}

/// Heap storage for a recursive message field (a struct cannot contain itself).
public final class ProtoBox<Value: Hashable & Sendable>: Hashable, Sendable {
    public let value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public static func == (lhs: ProtoBox, rhs: ProtoBox) -> Bool {
        lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }
}
