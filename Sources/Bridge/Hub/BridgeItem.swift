public import CourtsideProto
public import NIOCore

/// One relayed event or reset snapshot, serialised once for every browser: the JSON text, the
/// complete unmasked WebSocket text frame, and the SSE `data:` line. The relay computes it once
/// per upstream item; every hub writes the same buffers to every connection that follows the
/// game.
public final class BridgeItem: Sendable {
    public let gameId: String
    public let position: GamePosition
    /// A reset snapshot (the upstream restarted the game) rather than an event.
    public let isSnapshot: Bool
    /// The game's status after the item, and before it (nil when unknown).
    public let status: GameStatus
    public let previousStatus: GameStatus?
    public let home: String
    public let away: String
    /// The game's league ("" when the schedule does not know the game yet): what a connection
    /// following a league's live games is matched on.
    public let league: String
    /// The game's state after the item.
    public let state: GameState
    /// When the score service recorded the event (or the snapshot's update).
    public let recordedAtMs: Int64
    /// The message's JSON text.
    public let json: ByteBuffer
    /// The WebSocket text frame carrying `json`.
    public let frame: ByteBuffer
    /// `data: <json>\n\n` (SSE; the `event:` and `id:` lines are per connection).
    public let sseData: ByteBuffer

    /// Serialises an upstream item once.
    /// - Parameters:
    ///   - teams: the game's teams (events do not carry them).
    ///   - previousStatus: the game's status before the item.
    ///   - league: the game's league ("" when unknown).
    public init(item: StreamItem, teams: (home: String, away: String)?, previousStatus: GameStatus?, league: String = "") {
        self.league = league
        switch item.item {
        case .event(let event):
            gameId = event.gameId
            position = GamePosition(epoch: event.position?.epoch ?? 0, seq: event.position?.seq ?? 0)
            isSnapshot = false
            state = event.state ?? GameState()
            recordedAtMs = event.recordedAtMs
            home = teams?.home ?? ""
            away = teams?.away ?? ""
            json = ServerMessages.event(event, league: league)
        case .snapshot(let snapshot):
            gameId = snapshot.gameId
            position = GamePosition(epoch: snapshot.position?.epoch ?? 0, seq: snapshot.position?.seq ?? 0)
            isSnapshot = true
            state = snapshot.state ?? GameState()
            recordedAtMs = snapshot.updatedAtMs
            home = snapshot.homeTeamId.isEmpty ? teams?.home ?? "" : snapshot.homeTeamId
            away = snapshot.awayTeamId.isEmpty ? teams?.away ?? "" : snapshot.awayTeamId
            json = ServerMessages.snapshot(
                game: snapshot.gameId, position: position, reason: .reset, home: home, away: away, state: state,
                updatedAtMs: snapshot.updatedAtMs, league: league
            )
        case nil:
            gameId = ""
            position = GamePosition(epoch: 0, seq: 0)
            isSnapshot = true
            state = GameState()
            recordedAtMs = 0
            home = ""
            away = ""
            json = ByteBuffer()
        }
        status = state.status
        self.previousStatus = previousStatus
        frame = WebSocketFrames.text(json)
        var data = ByteBufferAllocator().buffer(capacity: json.readableBytes + 8)
        data.writeStaticString("data: ")
        var body = json
        data.writeBuffer(&body)
        data.writeStaticString("\n\n")
        sseData = data
    }

    /// The JSON of a snapshot of the state after this item.
    public func snapshotJSON(reason: ServerMessages.SnapshotReason) -> ByteBuffer {
        ServerMessages.snapshot(
            game: gameId, position: position, reason: reason, home: home, away: away, state: state, updatedAtMs: recordedAtMs,
            league: league)
    }
}
