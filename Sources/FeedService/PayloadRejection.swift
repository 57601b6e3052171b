import FeedSources
import Logging

/// Logs and counts a provider payload (or one update of it) that was skipped.
enum PayloadRejection {
    /// The metric reason for a rejection: `empty`, `truncated`, `malformed` (not JSON),
    /// `unknown_team`, or `invalid` (JSON of the wrong shape or with impossible values).
    static func reason(of reasons: [FeedError]) -> String {
        let text = reasons.map(\.reason).joined(separator: " ").lowercased()
        if text.contains("empty payload") { return "empty" }
        if text.contains("truncated") || text.contains("ends early") { return "truncated" }
        if text.contains("invalid json") { return "malformed" }
        if text.contains("unknown team") { return "unknown_team" }
        return "invalid"
    }

    /// Logs the reasons (the first few) and counts the rejection.
    static func record(_ reasons: [FeedError], what: String, reason: String? = nil, context: FeedContext) {
        let label = reason ?? self.reason(of: reasons)
        context.metrics.rejectedPayload(reason: label)
        context.logger.error(
            "payload rejected; nothing of it was published",
            metadata: [
                "payload": "\(what)", "reason": "\(label)", "problems": "\(reasons.count)",
                "details": "\(reasons.prefix(5).map(\.reason).joined(separator: "; "))",
            ]
        )
    }
}

/// A configuration that cannot work (a missing file, a bad URL).
public struct FeedConfigurationError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String

    /// An error with a message naming the setting.
    public init(_ description: String) {
        self.description = description
    }
}
