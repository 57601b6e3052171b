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
        record(reasons, what: what, reason: reason, metrics: context.metrics, logger: context.logger)
    }

    /// Logs the reasons (the first few) and counts the rejection.
    static func record(_ reasons: [FeedError], what: String, reason: String? = nil, metrics: FeedMetrics, logger: Logger) {
        let label = reason ?? self.reason(of: reasons)
        metrics.rejectedPayload(reason: label)
        logger.error(
            "payload rejected; nothing of it was published",
            metadata: [
                "payload": "\(what)", "reason": "\(label)", "problems": "\(reasons.count)",
                "details": "\(reasons.prefix(5).map(\.reason).joined(separator: "; "))",
            ]
        )
    }
}

/// Logs and counts a provider glitch the feed reconciled (`courtside_feed_glitches_total{kind}`).
enum GlitchReport {
    /// Counts the glitch by kind and logs it, with its game when one is named.
    static func record(_ glitch: FeedGlitch, game: String? = nil, metrics: FeedMetrics, logger: Logger) {
        metrics.glitch(glitch.kind)
        var metadata: Logger.Metadata = ["kind": "\(glitch.kind.rawValue)", "detail": "\(glitch.detail)"]
        if let game { metadata["game"] = "\(game)" }
        logger.warning("provider glitch reconciled", metadata: metadata)
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
