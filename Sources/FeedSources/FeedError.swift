import CourtsideJSON

/// Why a provider payload (or one game in it) was not accepted.
///
/// Reasons are written for a person reading the feed service's log: they name the place in the
/// payload (`game.actions[12].scoreHome`) and what was wrong with it. The category is for
/// metrics: a small fixed set, never derived from the payload's text.
public struct FeedError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem it is (a metric label).
    public enum Category: String, Hashable, Sendable, CaseIterable {
        /// No JSON value at all.
        case empty
        /// JSON that ends early.
        case truncated
        /// Not JSON.
        case malformed
        /// JSON beyond the parser's budgets (nesting, values) or an adapter's (games, plays).
        case tooLarge = "too_large"
        /// A team that is not one of the 30 NBA teams.
        case unknownTeam = "unknown_team"
        /// JSON of the wrong shape or with impossible values.
        case invalid
    }

    /// The longest reason kept, in Unicode scalars: reasons quote excerpts of the payload, and a
    /// reason is logged, so none may carry a payload's megabytes.
    public static let maximumReasonScalars = 400

    /// A human-readable explanation, never empty.
    public var reason: String
    /// The kind of problem.
    public var category: Category

    /// Creates an error with the given reason (cut to ``maximumReasonScalars``).
    public init(_ reason: String, category: Category = .invalid) {
        let scalars = reason.unicodeScalars
        if reason.isEmpty {
            self.reason = "unspecified feed error"
        } else if scalars.prefix(Self.maximumReasonScalars + 1).count > Self.maximumReasonScalars {
            self.reason = String(String.UnicodeScalarView(scalars.prefix(Self.maximumReasonScalars))) + "…"
        } else {
            self.reason = reason
        }
        self.category = category
    }

    /// The reason.
    public var description: String { reason }
}

/// A payload that was rejected as a whole, with every reason found (at most
/// ``FeedRejection/maximumReasons``; the last one then says how many more there were).
public struct FeedRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// How many reasons a rejection lists before summarising the rest.
    public static let maximumReasons = 20

    /// The reasons, never empty.
    public var reasons: [FeedError]

    /// Creates a rejection; an empty list becomes a single "unspecified" reason and a long one
    /// is cut to ``maximumReasons``.
    public init(_ reasons: [FeedError]) {
        if reasons.isEmpty {
            self.reasons = [FeedError("payload rejected")]
        } else if reasons.count > Self.maximumReasons {
            self.reasons =
                Array(reasons.prefix(Self.maximumReasons - 1))
                + [FeedError("… and \(reasons.count - Self.maximumReasons + 1) more problems")]
        } else {
            self.reasons = reasons
        }
    }

    /// Creates a rejection with a single reason.
    public init(_ reason: FeedError) {
        self.init([reason])
    }

    /// All reasons, separated by "; ".
    public var description: String { reasons.map(\.reason).joined(separator: "; ") }
}

/// What every adapter returns: the value the payload describes, or why it was rejected.
/// An adapter never returns part of a payload it rejected.
public typealias FeedResult<Value> = Result<Value, FeedRejection>

extension Result where Failure == FeedRejection {
    /// The accepted value, or nil when the payload was rejected.
    public var value: Success? {
        if case .success(let value) = self { return value }
        return nil
    }

    /// The reasons of a rejection, or an empty list when the payload was accepted.
    public var reasons: [FeedError] {
        if case .failure(let rejection) = self { return rejection.reasons }
        return []
    }
}

extension FeedError {
    /// A payload that is not JSON, or beyond the parser's budgets, in the feed's categories.
    init(invalidJSON error: JSONParseError, payloadBytes: Int) {
        switch error.kind {
        case .empty:
            self.init("empty payload: no JSON value", category: .empty)
        case .truncated:
            self.init("invalid JSON: the payload ends early after \(payloadBytes) bytes (truncated?)", category: .truncated)
        case .tooDeep, .tooManyValues:
            self.init("invalid JSON at byte \(error.offset) of \(payloadBytes): \(error.message)", category: .tooLarge)
        case .malformed:
            self.init("invalid JSON at byte \(error.offset) of \(payloadBytes): \(error.message)", category: .malformed)
        }
    }
}
