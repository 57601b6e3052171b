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
    static func token(inAuthorization value: String) -> Substring? {
        var bytes = Substring(value).utf8[...]
        trimBlanks(&bytes)
        let scheme = "bearer ".utf8
        guard bytes.count > scheme.count, zip(bytes, scheme).allSatisfy({ asciiLowercased($0) == $1 }) else { return nil }
        var token = bytes.dropFirst(scheme.count)
        trimBlanks(&token)
        return token.isEmpty ? nil : Substring(token)
    }

    private static func trimBlanks(_ bytes: inout Substring.UTF8View.SubSequence) {
        while let first = bytes.first, isBlank(first) { bytes.removeFirst() }
        while let last = bytes.last, isBlank(last) { bytes.removeLast() }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
