public import CourtsideProto

/// One item a relay hands to its subscribers: an event or a snapshot of one game, with a
/// payload computed once for all subscribers (the bridge's JSON bytes, for example).
public final class RelayedItem<Payload: Sendable>: Sendable {
    public let gameId: String
    public let item: StreamItem
    public let position: Position
    public let payload: Payload

    init(gameId: String, item: StreamItem, position: Position, payload: Payload) {
        self.gameId = gameId
        self.item = item
        self.position = position
        self.payload = payload
    }
}
