/// Why a provider payload (or one game in it) was not accepted.
///
/// Reasons are written for a person reading the feed service's log: they name the place in the
/// payload (`game.actions[12].scoreHome`) and what was wrong with it.
public struct FeedError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A human-readable explanation, never empty.
    public var reason: String

    /// Creates an error with the given reason.
    public init(_ reason: String) {
        self.reason = reason.isEmpty ? "unspecified feed error" : reason
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
