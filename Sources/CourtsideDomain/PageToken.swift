import Foundation

/// An opaque page token: the key of the last item of the page it follows (keyset pagination, so
/// pages stay stable while items are added or removed), bound to a scope that says what the
/// token is valid for (a fingerprint of a filter, the epoch of a log).
///
/// Layout before base64url (no padding): version byte 1, the scope (8 bytes, big endian), the
/// key's number (8 bytes, big endian), then the key's text as UTF-8 (may be empty).
public struct PageToken: Hashable, Sendable {
    /// What the token is valid for; a reader compares it with its own before trusting the key.
    public var scope: UInt64
    /// The numeric part of the key (a start time as a bit pattern, a sequence number).
    public var number: UInt64
    /// The text part of the key (an id), or empty.
    public var text: String

    private static let version: UInt8 = 1
    private static let headerCount = 17

    public init(scope: UInt64, number: UInt64, text: String = "") {
        self.scope = scope
        self.number = number
        self.text = text
    }

    /// The token a previous `encoded` wrote, or nil when `token` is not one: not base64url
    /// without padding, another version, too short, or text that is not UTF-8.
    public init?(decoding token: String) {
        var standard = ""
        standard.reserveCapacity(token.utf8.count + 3)
        for scalar in token.unicodeScalars {
            switch scalar {
            case "-": standard.append("+")
            case "_": standard.append("/")
            case "A"..."Z", "a"..."z", "0"..."9": standard.unicodeScalars.append(scalar)
            default: return nil
            }
        }
        switch standard.utf8.count % 4 {
        case 0: break
        case 2: standard += "=="
        case 3: standard += "="
        default: return nil
        }
        guard let data = Data(base64Encoded: standard) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count >= Self.headerCount, bytes[0] == Self.version,
            let text = String(validating: bytes[Self.headerCount...], as: UTF8.self)
        else { return nil }
        self.init(scope: Self.read(bytes, at: 1), number: Self.read(bytes, at: 9), text: text)
    }

    /// The token as clients see it: URL-safe base64 without padding.
    public var encoded: String {
        var bytes: [UInt8] = [Self.version]
        Self.append(scope, to: &bytes)
        Self.append(number, to: &bytes)
        bytes.append(contentsOf: text.utf8)
        var url = ""
        for character in Data(bytes).base64EncodedString() {
            switch character {
            case "+": url.append("-")
            case "/": url.append("_")
            case "=": continue
            default: url.append(character)
            }
        }
        return url
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func read(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes[offset..<offset + 8] {
            value = value << 8 | UInt64(byte)
        }
        return value
    }
}
