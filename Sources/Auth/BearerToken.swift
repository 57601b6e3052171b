/// Bearer tokens as clients send them: `Authorization: Bearer <token>` (gRPC metadata and the
/// bridge's HTTP requests alike), at most ``maximumBytes``.
public enum BearerToken {
    /// Tokens longer than this, in bytes, are refused unread.
    public static let maximumBytes = 8192

    /// The token of an `authorization` value `Bearer <token>` (the scheme in any case, blanks
    /// around the value and the token ignored); nil when the value is not that, or the token is
    /// empty. Read as bytes: it runs on every call, and `String`'s character-wise operations (and
    /// Foundation's trimming) cost more than the rest of the check on a cached token.
    public static func parse(authorization value: String) -> String? {
        token(inAuthorization: value).map(String.init)
    }

    /// The same as a slice of `value`, without a copy (the interceptor looks it up as it is).
    /// Read on the value's contiguous UTF-8 bytes: generic `Substring.UTF8View` walking cost about
    /// as much as the rest of a cached token's check.
    static func token(inAuthorization value: String) -> Substring? {
        let utf8 = value.utf8
        let bounds = utf8.withContiguousStorageIfAvailable { tokenBounds(in: UnsafeRawBufferPointer($0)) } ?? tokenBounds(in: Array(utf8))
        guard let bounds else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: bounds.lowerBound)
        let upper = utf8.index(lower, offsetBy: bounds.count)
        return Substring(utf8[lower..<upper])
    }

    /// The byte offsets of the token in an `authorization` value's bytes (see above).
    static func tokenBounds(in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        var start = 0
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        let scheme: StaticString = "bearer "
        let schemeCount = scheme.utf8CodeUnitCount
        guard end - start > schemeCount else { return nil }
        for offset in 0..<schemeCount where asciiLowercased(bytes[start + offset]) != scheme.utf8Start[offset] { return nil }
        start += schemeCount
        while start < end, isBlank(bytes[start]) { start += 1 }
        return start < end ? start..<end : nil
    }

    private static func tokenBounds(in bytes: [UInt8]) -> Range<Int>? {
        bytes.withUnsafeBytes { tokenBounds(in: $0) }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte + 32 : byte
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
