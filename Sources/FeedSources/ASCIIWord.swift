/// A short ASCII text held in two machine words, for matching a provider's type words and team
/// codes against the payload's bytes many times per payload without making a `String` (and
/// comparing it grapheme by grapheme, or hashing it) each time.
struct ASCIIWord: Equatable {
    /// The longest text a word holds, in bytes.
    static let capacity = 16

    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private var count: UInt8 = 0

    /// The bytes as a word, upper-case letters lowered when `lowercasing`; nil when there are more
    /// than ``capacity`` or one is not ASCII (the caller then reads them as text).
    init?(_ bytes: UnsafeBufferPointer<UInt8>, lowercasing: Bool) {
        guard bytes.count <= Self.capacity else { return nil }
        for (offset, byte) in bytes.enumerated() {
            guard byte < 0x80 else { return nil }
            let folded = lowercasing && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if offset < 8 {
                low |= UInt64(folded) << (8 * UInt64(offset))
            } else {
                high |= UInt64(folded) << (8 * UInt64(offset - 8))
            }
        }
        count = UInt8(bytes.count)
    }

    /// A word known in advance (at most ``capacity`` ASCII bytes; anything else is a programming
    /// error).
    init(_ literal: StaticString) {
        guard let word = literal.withUTF8Buffer({ Self($0, lowercasing: false) }) else {
            preconditionFailure("\(literal) is not a short ASCII word")
        }
        self = word
    }

    /// A text as a word (nil when it is longer than ``capacity`` bytes or not ASCII).
    init?(_ text: String) {
        var text = text
        guard let word = text.withUTF8({ Self($0, lowercasing: false) }) else { return nil }
        self = word
    }

    /// The word as text.
    var text: String {
        var bytes: [UInt8] = []
        for offset in 0..<Int(count) {
            bytes.append(UInt8(truncatingIfNeeded: (offset < 8 ? low >> (8 * UInt64(offset)) : high >> (8 * UInt64(offset - 8)))))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    var isEmpty: Bool { count == 0 }

    static let empty = ASCIIWord("")
}
