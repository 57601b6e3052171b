public import CourtsideProto

/// The rules an event must satisfy against its game's state before it (the score service
/// enforces them; the feed checks its own events by them before publishing):
///
/// - A score may go down only in a correction.
/// - A period never goes backwards.
/// - Nothing follows "final" but a correction.
public enum ScoreRules {
    /// How an event of `kind`, leaving its game in state `next`, breaks the rules after state
    /// `previous`, in the order: after final, home score, away score, period. Empty when it may
    /// follow.
    public static func violations(from previous: GameState, to next: GameState, kind: EventKind) -> [ScoreRuleViolation] {
        var found: [ScoreRuleViolation] = []
        let isCorrection = kind == .correction
        if previous.status == .final, !isCorrection {
            found.append(.afterFinal(kind: kind))
        }
        if !isCorrection {
            if next.homeScore < previous.homeScore {
                found.append(.homeScoreDown(from: previous.homeScore, to: next.homeScore))
            }
            if next.awayScore < previous.awayScore {
                found.append(.awayScoreDown(from: previous.awayScore, to: next.awayScore))
            }
        }
        if next.period < previous.period {
            found.append(.periodBackwards(from: previous.period, to: next.period))
        }
        return found
    }
}
