import FeedSources
import Logging

/// Logs and counts a provider payload (or one update of it) that was skipped.
enum PayloadRejection {
    /// The metric reason for a rejection: the category of its reasons, the first of `empty`,
    /// `truncated`, `malformed` (not JSON), `too_large`, `unknown_team` present, else `invalid`
    /// (JSON of the wrong shape or with impossible values).
    static func reason(of reasons: [FeedError]) -> String {
        let precedence: [FeedError.Category] = [.empty, .truncated, .malformed, .tooLarge, .unknownTeam]
        let present = Set(reasons.map(\.category))
        return (precedence.first(where: present.contains) ?? .invalid).rawValue
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
