public import CourtsideProto

/// One way an event breaks ``ScoreRules`` against the state of its game before it.
public enum ScoreRuleViolation: Hashable, Sendable {
    /// The game was final and the event is not a correction.
    case afterFinal(kind: EventKind)
    /// The home score went down outside a correction.
    case homeScoreDown(from: UInt32, to: UInt32)
    /// The away score went down outside a correction.
    case awayScoreDown(from: UInt32, to: UInt32)
    /// The period went backwards (corrections included).
    case periodBackwards(from: UInt32, to: UInt32)
}
