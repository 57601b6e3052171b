public import NIOCore

/// Validates UTF-8 incrementally, across the fragments of a WebSocket text message, and fails
/// as soon as a byte sequence cannot be completed into valid UTF-8 (Autobahn's "fail fast").
/// A DFA after Björn Höhrmann's decoder, with a fast path for ASCII runs.
public struct UTF8Validator: Sendable {
    private static let accept: UInt8 = 0
    private static let reject: UInt8 = 12

    private var state: UInt8 = UTF8Validator.accept

    /// A validator at the start of a text.
    public init() {}

    /// Whether the bytes so far end at a character boundary (a complete message is valid).
    public var isComplete: Bool { state == Self.accept }

    /// Feeds bytes; returns false once the input can no longer be valid.
    @discardableResult
    public mutating func feed(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { feed($0) }
    }

    @discardableResult
    /// Feeds raw bytes; returns false once the input can no longer be valid.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var state = self.state
        guard state != Self.reject else { return false }
        var index = 0
        let count = bytes.count
        while index < count {
            if state == Self.accept {
                // Skip ASCII eight bytes at a time.
                while index + 8 <= count {
                    let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index += 8
                }
                while index < count, bytes[index] < 0x80 { index += 1 }
                if index == count { break }
            }
            let byte = bytes[index]
            let type = Self.types[Int(byte)]
            state = Self.transitions[Int(state) + Int(type)]
            if state == Self.reject {
                self.state = state
                return false
            }
            index += 1
        }
        self.state = state
        return true
    }

    /// Validates a complete text.
    public static func isValid(_ buffer: ByteBuffer) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(buffer) && validator.isComplete
    }

    // Character classes of Höhrmann's DFA.
    private static let types: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in 0x80...0x8F { table[byte] = 1 }
        for byte in 0x90...0x9F { table[byte] = 9 }
        for byte in 0xA0...0xBF { table[byte] = 7 }
        for byte in 0xC0...0xC1 { table[byte] = 8 }
        for byte in 0xC2...0xDF { table[byte] = 2 }
        table[0xE0] = 10
        for byte in 0xE1...0xEC { table[byte] = 3 }
        table[0xED] = 4
        for byte in 0xEE...0xEF { table[byte] = 3 }
        table[0xF0] = 11
        for byte in 0xF1...0xF3 { table[byte] = 6 }
        table[0xF4] = 5
        for byte in 0xF5...0xFF { table[byte] = 8 }
        return table
    }()

    // State transitions (states are multiples of 12; 0 accepts, 12 rejects).
    private static let transitions: [UInt8] = [
        0, 12, 24, 36, 60, 96, 84, 12, 12, 12, 48, 72, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
        12, 0, 12, 12, 12, 12, 12, 0, 12, 0, 12, 12, 12, 24, 12, 12, 12, 12, 12, 24, 12, 24, 12, 12,
        12, 12, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12, 12, 12, 12, 24, 12, 12,
        12, 12, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12, 12, 36, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
        12, 36, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    ]
}
