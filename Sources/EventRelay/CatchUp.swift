public import CourtsideProto
public import GRPC

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

/// Which positions a subscriber has been sent, to drop live items it already has.
public struct DeliveredPositions: Sendable {
    public private(set) var positions: [String: Position] = [:]

    public init() {}

    /// Whether an item at `position` is new for the subscriber; records it if so. A snapshot
    /// (reset) always passes.
    public mutating func admit(gameId: String, position: Position, isSnapshot: Bool) -> Bool {
        if !isSnapshot, let known = positions[gameId], known.epoch == position.epoch, position.seq <= known.seq {
            return false
        }
        positions[gameId] = position
        return true
    }

    public mutating func record(gameId: String, position: Position) {
        positions[gameId] = position
    }

    public var cursors: [GameCursor] {
        positions.sorted { $0.key < $1.key }.map { GameCursor(gameId: $0.key, after: $0.value) }
    }
}

/// The end of a stream whose subscriber fell too far behind.
public enum SlowSubscriber {
    /// The trailer that carries a `ResumeCursors` with the positions the subscriber has.
    public static let resumeTrailer = "courtside-resume-bin"

    /// RESOURCE_EXHAUSTED with the positions to resume from in `courtside-resume-bin`.
    public static func error(capacity: Int, cursors: [GameCursor]) -> RPCError {
        var trailer = Metadata()
        if let bytes = try? ResumeCursors(cursors: cursors).serializedBytes() {
            trailer.addBinary(bytes, forKey: resumeTrailer)
        }
        return RPCError(
            .resourceExhausted,
            "the subscriber fell more than \(capacity) events behind; resume from the positions in the \(resumeTrailer) trailer",
            metadata: trailer
        )
    }

    /// The positions a RESOURCE_EXHAUSTED from `error(capacity:cursors:)` carries (nil when the
    /// error has no readable `courtside-resume-bin` trailer).
    public static func resumeCursors(in error: RPCError) -> ResumeCursors? {
        guard let bytes = error.metadata[binaryValues: resumeTrailer].first else { return nil }
        return bytes.withUnsafeBytes { try? ResumeCursors(serializedBytes: $0) }
    }
}
