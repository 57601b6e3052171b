public import CourtsideProto

/// What a resumable stream needs of a live item from its producer: the game and position it
/// is at, whether it restarts the game, and the message to write.
public protocol LiveStreamItem: Sendable {
    var gameId: String { get }
    /// Where the item puts its game; nil for an item that cannot be placed (never written).
    var streamPosition: Position? { get }
    /// A snapshot that restarts its game (a reset): written even at a position already sent.
    var restartsGame: Bool { get }
    var streamItem: StreamItem { get }
    /// When its event was committed (milliseconds since 1970); 0 when unknown, as for a snapshot.
    var committedAtMs: Int64 { get }
}

/// A committed event, as the score engine hands it to its subscribers.
extension Event: LiveStreamItem {
    public var streamPosition: Position? { position }
    public var restartsGame: Bool { false }
    public var streamItem: StreamItem { StreamItem(item: .event(self)) }
    public var committedAtMs: Int64 { recordedAtMs }
}

extension RelayedItem: LiveStreamItem {
    public var streamPosition: Position? { position }

    public var restartsGame: Bool {
        if case .snapshot = item.item { true } else { false }
    }

    public var streamItem: StreamItem { item }

    public var committedAtMs: Int64 {
        if case .event(let event) = item.item { event.recordedAtMs } else { 0 }
    }
}
