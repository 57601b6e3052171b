#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address or a CIDR range (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`), as trusted proxies are
/// given. IPv4 addresses written as IPv4-mapped IPv6 (`::ffff:10.0.0.7`) match IPv4 ranges.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    private let network: [UInt8]
    private let prefixLength: Int

    /// Parses `address` or `address/prefix`; nil if it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = Self.bytes(of: String(parts[0])) else { return nil }
        let maximum = address.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), String(value) == parts[1], (0...maximum).contains(value) else { return nil }
            length = value
        }
        self.network = Self.masked(address, length)
        self.prefixLength = length
    }

    /// Whether `address` (a textual IPv4 or IPv6 address) lies in the range.
    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return contains(bytes: bytes)
    }

    /// Whether an address already parsed by `bytes(of:)` lies in the range.
    func contains(bytes: [UInt8]) -> Bool {
        guard bytes.count == network.count else { return false }
        for index in bytes.indices where bytes[index] & Self.mask(prefixLength, byte: index) != network[index] {
            return false
        }
        return true
    }

    public var description: String {
        let text =
            network.count == 4
            ? network.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16) }.joined(
                separator: ":")
        return "\(text)/\(prefixLength)"
    }

    /// 4 bytes for IPv4 (also when written IPv4-mapped), 16 for IPv6; nil if not an address.
    static func bytes(of text: String) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 16)  // room for an in6_addr (or an in_addr)
        if inet_pton(AF_INET, text, &bytes) == 1 {
            return Array(bytes[0..<4])
        }
        guard inet_pton(AF_INET6, text, &bytes) == 1 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12..<16])
        }
        return bytes
    }

    private static func masked(_ bytes: [UInt8], _ prefixLength: Int) -> [UInt8] {
        bytes.indices.map { bytes[$0] & mask(prefixLength, byte: $0) }
    }

    /// The bits of byte `index` that a prefix of `prefixLength` bits keeps.
    private static func mask(_ prefixLength: Int, byte index: Int) -> UInt8 {
        let bitsKept = min(8, max(0, prefixLength - index * 8))
        return bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsKept))
    }
}
