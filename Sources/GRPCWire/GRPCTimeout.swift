/// The `grpc-timeout` header: at most 8 ASCII digits followed by a unit
/// (H hours, M minutes, S seconds, m milliseconds, u microseconds, n nanoseconds).
public struct GRPCTimeout: Hashable, Sendable, CustomStringConvertible {
    public let duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    /// The longest timeout a server honours. The header allows up to 99,999,999 hours (about
    /// 11,000 years), which overflows a nanosecond count; a deadline further away than a day is
    /// no deadline at all, so a server treats a longer timeout as none.
    public static let longestHonoured: Duration = .seconds(24 * 3600)

    /// Whether a server should run a deadline for this timeout (see `longestHonoured`).
    public var isHonoured: Bool { duration <= Self.longestHonoured }

    /// Parses a header value; nil if malformed (the caller answers INTERNAL or ignores it).
    public init?(headerValue: some StringProtocol) {
        let utf8 = Array(headerValue.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.last else { return nil }
        var amount: Int64 = 0
        for digit in utf8.dropLast() {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): duration = .seconds(amount * 3600)
        case UInt8(ascii: "M"): duration = .seconds(amount * 60)
        case UInt8(ascii: "S"): duration = .seconds(amount)
        case UInt8(ascii: "m"): duration = .milliseconds(amount)
        case UInt8(ascii: "u"): duration = .microseconds(amount)
        case UInt8(ascii: "n"): duration = .nanoseconds(amount)
        default: return nil
        }
    }

    /// The header value: the finest unit whose amount fits in 8 digits (rounded up, so a peer
    /// never sees a shorter deadline than ours).
    public var headerValue: String {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return "1n" }
        let nanos = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        let units: [(Character, Double)] = [("n", 1), ("u", 1e3), ("m", 1e6), ("S", 1e9), ("M", 60e9), ("H", 3600e9)]
        for (unit, scale) in units {
            let amount = (nanos / scale).rounded(.up)
            if amount <= 99_999_999 {
                return "\(Int64(amount))\(unit)"
            }
        }
        return "99999999H"
    }

    public var description: String { headerValue }
}
