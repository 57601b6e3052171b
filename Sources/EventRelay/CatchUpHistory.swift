public import CourtsideProto

/// Where a resumable stream reads the events a subscriber missed.
public protocol CatchUpHistory: Sendable {
    /// Kept events of a game after `afterSeq`, oldest first, none after `upTo`: all of them, or
    /// the first page of them (the stream asks again after the page's last); nil when they are
    /// not kept any more (or the game's epoch is not `epoch`).
    func events(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64) async throws -> [Event]?
}

/// Where a game stood when a subscriber registered: what catching up brings the subscriber to.
public struct CatchUpHead: Sendable {
    public var snapshot: Snapshot
    /// The oldest event still kept (1 when the whole log is).
    public var firstKeptSeq: UInt64

    public init(snapshot: Snapshot, firstKeptSeq: UInt64 = 1) {
        self.snapshot = snapshot
        self.firstKeptSeq = firstKeptSeq
    }

    public var position: Position { snapshot.position ?? Position() }
}
