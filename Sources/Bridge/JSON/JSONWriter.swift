public import NIOCore

/// Appends JSON text to a `ByteBuffer` without building an intermediate tree: the bridge writes
/// every server message this way, once per message (and once per event for all browsers).
public struct JSONWriter {
    /// The JSON text written so far.
    public var buffer: ByteBuffer
    private var needsComma: [Bool] = []

    /// - Parameter buffer: where to append (usually an empty buffer from the channel's allocator).
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// A writer with a fresh buffer of `capacity` bytes.
    public init(capacity: Int = 256) {
        self.buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    // MARK: Structure

    /// Opens an object (as a value).
    public mutating func beginObject() {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    /// Closes the innermost object.
    public mutating func endObject() {
        needsComma.removeLast()
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Opens an array (as a value).
    public mutating func beginArray() {
        separate()
        buffer.writeInteger(UInt8(ascii: "["))
        needsComma.append(false)
    }

    /// Closes the innermost array.
    public mutating func endArray() {
        needsComma.removeLast()
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// Writes `"name":` (the value follows).
    public mutating func key(_ name: StaticString) {
        separate()
        buffer.writeInteger(UInt8(ascii: "\""))
        name.withUTF8Buffer { _ = buffer.writeBytes($0) }
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeInteger(UInt8(ascii: ":"))
        markValueFollows()
    }

    /// Writes a dynamic key (escaped).
    public mutating func key(_ name: String) {
        separate()
        writeEscaped(name)
        buffer.writeInteger(UInt8(ascii: ":"))
        markValueFollows()
    }

    // MARK: Values

    /// Writes a string value, escaped.
    public mutating func string(_ value: String) {
        separate()
        writeEscaped(value)
    }

    /// Writes an integer value.
    public mutating func int(_ value: Int64) {
        separate()
        writeDecimal(value)
    }

    /// Writes an unsigned integer value.
    public mutating func uint(_ value: UInt64) {
        separate()
        writeDecimal(value)
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        if value { buffer.writeStaticString("true") } else { buffer.writeStaticString("false") }
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        buffer.writeStaticString("null")
    }

    /// Writes already-encoded JSON (for example a cached object) as one value.
    public mutating func raw(_ json: ByteBuffer) {
        separate()
        var json = json
        buffer.writeBuffer(&json)
    }

    // MARK: Fields (key + value)

    /// Writes `"name":"value"`.
    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    /// Writes `"name":value`.
    public mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        int(value)
    }

    /// Writes `"name":value`.
    public mutating func field(_ name: StaticString, _ value: UInt64) {
        key(name)
        uint(value)
    }

    /// Writes `"name":value`.
    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        int(Int64(value))
    }

    /// Writes `"name":true|false`.
    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// Writes `"name":["…",…]`.
    public mutating func field(_ name: StaticString, strings values: [String]) {
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    // MARK: Internals

    /// Between a key and its value no comma is written.
    private var valueFollowsKey = false

    private mutating func markValueFollows() {
        valueFollowsKey = true
    }

    private mutating func separate() {
        if valueFollowsKey {
            valueFollowsKey = false
            return
        }
        guard let last = needsComma.indices.last else { return }
        if needsComma[last] {
            buffer.writeInteger(UInt8(ascii: ","))
        } else {
            needsComma[last] = true
        }
    }

    private mutating func writeDecimal(_ value: Int64) {
        if value < 0 {
            buffer.writeInteger(UInt8(ascii: "-"))
            writeDecimal(value.magnitude)
        } else {
            writeDecimal(UInt64(value))
        }
    }

    private mutating func writeDecimal(_ value: UInt64) {
        if value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits:
            (
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            while rest > 0 {
                bytes[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                buffer.writeInteger(bytes[index])
            }
        }
    }

    private mutating func writeEscaped(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                let escape: StaticString?
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0..<0x20: escape = nil
                default: continue
                }
                if start < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                if let escape {
                    buffer.writeStaticString(escape)
                } else {
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0F)])
                }
                start = index + 1
            }
            if start < utf8.count { buffer.writeBytes(UnsafeBufferPointer(rebasing: utf8[start..<utf8.count])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
