package import CProtobufC

/// Memory for the C structs of one message being encoded: everything is allocated from a few
/// blocks and released together when the arena goes away, after `pack`.
package final class ProtobufCArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private static let blockSize = 4096

    package init() {}

    deinit {
        for block in blocks {
            block.deallocate()
        }
    }

    /// Zeroed, aligned memory for `count` values of `T`.
    package func allocate<T>(_: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let raw = allocateRaw(byteCount: MemoryLayout<T>.stride * max(count, 1), alignment: MemoryLayout<T>.alignment)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    private func allocateRaw(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if let cursor {
            let aligned = cursor.alignedUp(toMultipleOf: alignment)
            let padding = aligned - cursor
            if padding + byteCount <= remaining {
                self.cursor = aligned + byteCount
                remaining -= padding + byteCount
                aligned.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
                return aligned
            }
        }
        let size = max(Self.blockSize, byteCount + alignment)
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        blocks.append(block)
        let aligned = block.alignedUp(toMultipleOf: alignment)
        cursor = aligned + byteCount
        remaining = size - (aligned - block) - byteCount
        aligned.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return aligned
    }

    /// A NUL-terminated copy of `string`. protobuf-c stops at the first NUL, so a string with an
    /// embedded NUL is sent up to it.
    package func string(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            let out = allocate(CChar.self, count: utf8.count + 1)
            utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    out.update(from: base, count: chars.count)
                }
            }
            out[utf8.count] = 0
            return out
        }
    }

    package func strings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = allocate(UnsafeMutablePointer<CChar>?.self, count: strings.count)
        for (index, value) in strings.enumerated() {
            array[index] = string(value)
        }
        return array
    }

    package func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let out = allocate(UInt8.self, count: bytes.count)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                out.update(from: base, count: source.count)
            }
        }
        return ProtobufCBinaryData(len: bytes.count, data: out)
    }

    package func binaries(_ values: [[UInt8]]) -> UnsafeMutablePointer<ProtobufCBinaryData> {
        let array = allocate(ProtobufCBinaryData.self, count: values.count)
        for (index, value) in values.enumerated() {
            array[index] = binary(value)
        }
        return array
    }

    package func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let out = allocate(T.self, count: values.count)
        for (index, value) in values.enumerated() {
            out[index] = value
        }
        return out
    }

    package func messages<Message: ProtobufCConvertible>(
        _ values: [Message],
        as _: Message.CMessage.Type
    ) -> UnsafeMutablePointer<UnsafeMutablePointer<Message.CMessage>?> {
        let array = allocate(UnsafeMutablePointer<Message.CMessage>?.self, count: values.count)
        for (index, value) in values.enumerated() {
            let message = allocate(Message.CMessage.self)
            value.fill(message, arena: self)
            array[index] = message
        }
        return array
    }
}

@available(*, unavailable)
extension ProtobufCArena: Sendable {}
