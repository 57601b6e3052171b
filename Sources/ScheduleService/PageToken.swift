public import GRPC

/// Opaque `ListGames` page tokens.
///
/// A token is the key (start time, id) of the last game of the page it follows, so the next page
/// is "the games after that key" (keyset pagination): pages stay stable while games are added
/// or removed, never repeating a game and never skipping one that existed all along. It also
/// carries a fingerprint of the filter, so a token cannot be replayed with another filter.
///
/// Layout before base64url (no padding): version byte 1, filter fingerprint (8 bytes, big
/// endian), start time (8 bytes, big endian, two's complement), then the id's UTF-8 bytes.
public enum PageToken {
    private static let version: UInt8 = 1

    /// The token for the page after `key` under `filter`.
    public static func encode(after key: GameKey, filter: GameFilter) -> String {
        var bytes: [UInt8] = [version]
        append(filter.fingerprint, to: &bytes)
        append(UInt64(bitPattern: key.startTimeMs), to: &bytes)
        bytes.append(contentsOf: key.id.utf8)
        let standard = Base64.encode(bytes)
        var url = ""
        url.reserveCapacity(standard.utf8.count)
        for character in standard {
            switch character {
            case "+": url.append("-")
            case "/": url.append("_")
            case "=": continue
            default: url.append(character)
            }
        }
        return url
    }

    /// The key a token continues after.
    /// - Throws: `RPCError(.invalidArgument)` when the token is not one this service issued, or
    ///   was issued for a different filter.
    public static func decode(_ token: String, filter: GameFilter) throws(RPCError) -> GameKey {
        var standard = ""
        for character in token {
            switch character {
            case "-": standard.append("+")
            case "_": standard.append("/")
            case "+", "/", "=": throw malformed()
            default: standard.append(character)
            }
        }
        guard let bytes = Base64.decode(standard), bytes.count >= 17, bytes[0] == version else {
            throw malformed()
        }
        guard read(bytes, at: 1) == filter.fingerprint else {
            throw RPCError(
                .invalidArgument,
                "page_token: it was issued for a different filter; repeat the same date range, teams and statuses, or start over with no token"
            )
        }
        let startTimeMs = Int64(bitPattern: read(bytes, at: 9))
        guard let id = String(validating: bytes[17...], as: UTF8.self), !id.isEmpty else { throw malformed() }
        return GameKey(startTimeMs: startTimeMs, id: id)
    }

    private static func malformed() -> RPCError {
        RPCError(.invalidArgument, "page_token: not a token from a previous ListGames response")
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
