/// Reads a `Retry-After` header (429, 503) as the wait before the next attempt.
enum RetryAfter {
    /// The longest wait honoured: a server may ask for more, the feed comes back sooner.
    static let maximum: Duration = .seconds(60)

    /// The delay a single `Retry-After: <seconds>` asks for, at most ``maximum``; nil when there
    /// is none or it is not a plain number of seconds (an HTTP date is not worth trusting the
    /// provider's clock for: the backoff applies then).
    static func delay(_ values: [String]) -> Duration? {
        guard values.count == 1, let text = values.first?.utf8, !text.isEmpty,
            text.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        // Anything of more digits than the maximum has is the maximum: no conversion can overflow.
        guard text.count <= 4, let seconds = Int64(String(decoding: text, as: UTF8.self)) else { return maximum }
        return min(.seconds(seconds), maximum)
    }
}
