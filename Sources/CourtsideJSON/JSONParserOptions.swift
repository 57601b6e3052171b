/// What a ``JSONParser`` accepts beyond strict RFC 8259, and how much.
public struct JSONParserOptions: Sendable {
    /// What an object holding the same member name twice means.
    public enum DuplicateMembers: Sendable {
        /// The text is refused (a validator would otherwise see only one of them).
        case refused
        /// The last one counts, in the place of the first (what most JSON readers do).
        case lastWins
    }

    /// The deepest nesting of arrays and objects accepted (the outermost is 1).
    public var maximumDepth: Int
    /// The most values (scalars, arrays and objects) in one text, so that a text within a size
    /// budget cannot become a tree many times its size (`[{},{},…]`).
    public var maximumValues: Int
    public var duplicateMembers: DuplicateMembers
    /// Whether a UTF-8 byte order mark before the value is skipped.
    public var allowsByteOrderMark: Bool
    /// Whether a number beyond `Double`'s range (`1e400`) is read as ±infinity rather than refused.
    public var allowsInfiniteNumbers: Bool

    public init(
        maximumDepth: Int,
        maximumValues: Int = .max,
        duplicateMembers: DuplicateMembers = .refused,
        allowsByteOrderMark: Bool = false,
        allowsInfiniteNumbers: Bool = true
    ) {
        self.maximumDepth = maximumDepth
        self.maximumValues = maximumValues
        self.duplicateMembers = duplicateMembers
        self.allowsByteOrderMark = allowsByteOrderMark
        self.allowsInfiniteNumbers = allowsInfiniteNumbers
    }
}

extension JSONParserOptions {
    /// Messages from browsers (the bridge): 32 levels deep, duplicate names refused (JSON
    /// Schema validation would otherwise see only one of them).
    public static let clientMessage = JSONParserOptions(maximumDepth: 32)

    /// Payloads from score providers (the feed): 128 levels deep, at most 500,000 values (the
    /// largest recorded payloads hold about 21,000: a whole game's play-by-play or summary), a
    /// byte order mark tolerated as most HTTP clients do, the last of duplicate names counts,
    /// and numbers beyond `Double` refused.
    public static let providerPayload = JSONParserOptions(
        maximumDepth: 128,
        maximumValues: 500_000,
        duplicateMembers: .lastWins,
        allowsByteOrderMark: true,
        allowsInfiniteNumbers: false
    )
}
