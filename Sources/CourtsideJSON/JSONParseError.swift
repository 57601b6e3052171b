/// Why a text is not JSON (or not within a parser's limits), and where.
public struct JSONParseError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Nothing but whitespace.
        case empty
        /// The text ends inside a value.
        case truncated
        /// Nested deeper than ``JSONParserOptions/maximumDepth``.
        case tooDeep
        /// More values than ``JSONParserOptions/maximumValues``.
        case tooManyValues
        /// Anything else that is not JSON.
        case malformed
    }

    public var kind: Kind
    /// What is wrong ("expected ':'").
    public var message: String
    /// The byte at which it went wrong (the length of the text when it ended early).
    public var offset: Int

    public init(kind: Kind, message: String, offset: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }
}
