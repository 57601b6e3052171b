public import CourtsideProto

/// What a subscriber that has `cursor` for a game needs before live items, given the game's head
/// at registration.
public enum CatchUpPlan: Sendable, Hashable {
    /// Nothing: the subscriber is up to date.
    case nothing
    /// The events after `afterSeq` up to the head.
    case events(afterSeq: UInt64)
    /// A snapshot of the head, for this reason.
    case snapshot(SnapshotReason)

    /// - Parameter firstKeptSeq: the oldest event still kept (1 when the whole log is): a
    ///   cursor before `firstKeptSeq - 1` cannot be caught up with events.
    public static func plan(cursor: Position?, head: Position, firstKeptSeq: UInt64 = 1) -> CatchUpPlan {
        guard let cursor else { return .snapshot(.initial) }
        guard cursor.epoch == head.epoch, cursor.seq <= head.seq else { return .snapshot(.reset) }
        if cursor.seq == head.seq { return .nothing }
        // Written without `cursor.seq + 1`: a client's seq may be UInt64.max.
        guard firstKeptSeq <= 1 || cursor.seq >= firstKeptSeq - 1 else { return .snapshot(.reset) }
        return .events(afterSeq: cursor.seq)
    }
}
