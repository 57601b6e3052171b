public import CourtsideProto

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
