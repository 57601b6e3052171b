public import CourtsideProto
public import EventRelay

/// `StreamEvents` catches subscribers up from the engine's log, a page at a time.
extension ScoreEngine: CatchUpHistory {
    /// The first (at most 1000) kept events after `afterSeq`, from memory when the recent events
    /// cover them.
    public func events(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64) async throws -> [Event]? {
        try await history(gameId: gameId, epoch: epoch, afterSeq: afterSeq, upTo: upTo, limit: 1000)
    }
}
