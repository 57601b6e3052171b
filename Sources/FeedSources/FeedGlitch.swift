/// A provider glitch the feed reconciled instead of refusing the payload: real play-by-play has
/// them, and one bad moment must not cost a fan the whole game. Each is logged and counted by
/// kind (`courtside_feed_glitches_total{kind}`); the rules are in `services/feed/README.md`.
public struct FeedGlitch: Hashable, Sendable, CustomStringConvertible {
    /// What went wrong (a metric label: a closed set, never derived from the payload).
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A play that scored nothing carried a score lower than the game's, and a later play (or
        /// the header) shows the higher score again: the play is published, its score ignored.
        case staleScore = "stale_score"
        /// A play listed after a later moment of the game (its period, or its clock, is earlier):
        /// it is published in its place by period and clock.
        case outOfOrder = "out_of_order"
        /// A score went down outside a review and stayed down (a basket rescinded or credited to
        /// the other team): a correction (`<play id>-correction`) to the lower score is published
        /// before the play.
        case scoreTakenBack = "score_taken_back"
        /// A live header ahead of the plays (score or period): the game is brought to the header
        /// by a correction (and the period's start).
        case headerAhead = "header_ahead"
        /// A final header whose score differs from the plays': the header wins, by a correction.
        case finalScoreDiffers = "final_score_differs"
        /// The provider says the game is over but its plays stop before the end (it ended while
        /// the plays were not being followed): the period's end and "final" are added.
        case missingEnd = "missing_end"
        /// A play id listed twice: the first copy is published, the second ignored.
        case duplicatePlay = "duplicate_play"
        /// A play after the game's end that is not a review: ignored (the header settles the score).
        case playAfterEnd = "play_after_end"
        /// A play with an empty clock: the clock before it stands.
        case unknownClock = "unknown_clock"
    }

    /// The kind of glitch.
    public var kind: Kind
    /// Where and what, for the log (quotes no payload text beyond ids and numbers).
    public var detail: String

    /// Creates a glitch.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The kind and the detail.
    public var description: String { "\(kind.rawValue): \(detail)" }
}
