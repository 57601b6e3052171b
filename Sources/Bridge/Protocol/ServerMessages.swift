public import CourtsideProto
public import NIOCore

/// Encodes every server → client message of docs/protocol.md §4 as JSON text, following the
/// schema's field rules: required fields always present, absent optional fields omitted (never
/// `null`), integers clamped into `0 … 2^53 − 1`.
public enum ServerMessages {
    /// The client-visible limits reported in `hello`.
    public struct Limits: Sendable, Equatable {
        public var maxMessageBytes: Int
        public var messagesPerSecond: Int
        public var messageBurst: Int
        public var maxGames: Int
        public var maxTeams: Int

        /// The limits as reported to clients.
        public init(maxMessageBytes: Int, messagesPerSecond: Int, messageBurst: Int, maxGames: Int, maxTeams: Int) {
            self.maxMessageBytes = maxMessageBytes
            self.messagesPerSecond = messagesPerSecond
            self.messageBurst = messageBurst
            self.maxGames = maxGames
            self.maxTeams = maxTeams
        }
    }

    /// Snapshot reasons (§4.3).
    public enum SnapshotReason: String, Sendable {
        case initial, reset, collapsed
    }

    /// `hello` (§4.1): the first message of every connection.
    public static func hello(server: String, heartbeatMs: Int, idleTimeoutMs: Int, limits: Limits) -> ByteBuffer {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.field("type", "hello")
        json.field("protocol", 1)
        json.field("server", server)
        json.field("heartbeatMs", max(1, heartbeatMs))
        json.field("idleTimeoutMs", max(1, idleTimeoutMs))
        json.key("limits")
        json.beginObject()
        json.field("maxMessageBytes", max(1, limits.maxMessageBytes))
        json.field("messagesPerSecond", max(1, limits.messagesPerSecond))
        json.field("messageBurst", max(1, limits.messageBurst))
        json.field("maxGames", max(1, limits.maxGames))
        json.field("maxTeams", max(1, limits.maxTeams))
        json.endObject()
        json.endObject()
        return json.buffer
    }

    /// `subscribed` or `unsubscribed`: the whole followed set, sorted.
    public static func followed(
        _ type: StaticString, games: Set<String>, teams: Set<String>, allLive: Bool, leagues: Set<String> = [], id: String?
    ) -> ByteBuffer {
        var json = JSONWriter(capacity: 80 + games.count * 16 + teams.count * 8 + leagues.count * 8)
        json.beginObject()
        json.key("type")
        json.string(type.description)
        json.field("games", strings: games.sorted())
        json.field("teams", strings: teams.sorted())
        json.field("allLive", allLive)
        json.field("leagues", strings: leagues.sorted())
        if let id { json.field("id", id) }
        json.endObject()
        return json.buffer
    }

    /// `snapshot` (§4.3): a game's state at a position; `updatedAt` omitted when unknown (0),
    /// `league` when unknown ("").
    public static func snapshot(
        game: String, position: GamePosition, reason: SnapshotReason, home: String, away: String, state: GameState, updatedAtMs: Int64,
        league: String = ""
    ) -> ByteBuffer {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.field("type", "snapshot")
        json.field("game", game)
        json.field("epoch", clamp(position.epoch))
        json.field("seq", clamp(position.seq))
        json.key("reason")
        json.string(reason.rawValue)
        json.field("home", teamId(home))
        json.field("away", teamId(away))
        if ProtocolIds.isLeagueId(league) { json.field("league", league) }
        json.key("state")
        gameState(state, into: &json)
        if updatedAtMs > 0 { json.field("updatedAt", clamp(updatedAtMs)) }
        json.endObject()
        return json.buffer
    }

    /// An `event` message (also the elements of `GET /api/games/{id}/events`).
    public static func event(_ event: Event, league: String = "") -> ByteBuffer {
        var json = JSONWriter(capacity: 320)
        writeEvent(event, league: league, into: &json)
        return json.buffer
    }

    /// Writes an `event` object into `json` (team, player, `at` and the game's league omitted
    /// when empty).
    public static func writeEvent(_ event: Event, league: String = "", into json: inout JSONWriter) {
        json.beginObject()
        json.field("type", "event")
        json.field("game", event.gameId)
        if ProtocolIds.isLeagueId(league) { json.field("league", league) }
        json.field("epoch", clamp(event.position?.epoch ?? 0))
        json.field("seq", max(1, clamp(event.position?.seq ?? 1)))
        json.field("kind", kindName(event.kind))
        if !event.teamId.isEmpty, ProtocolIds.isTeamId(event.teamId) { json.field("team", event.teamId) }
        json.field("points", UInt64(min(event.points, 3)))
        if !event.player.isEmpty { json.field("player", event.player) }
        json.field("description", event.description)
        if event.occurredAtMs > 0 { json.field("at", clamp(event.occurredAtMs)) }
        json.field("recordedAt", clamp(event.recordedAtMs))
        json.key("state")
        gameState(event.state ?? GameState(), into: &json)
        json.endObject()
    }

    /// `heartbeat` (§4.5) with the server's clock.
    public static func heartbeat(nowMs: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 48)
        json.beginObject()
        json.field("type", "heartbeat")
        json.field("t", clamp(nowMs))
        json.endObject()
        return json.buffer
    }

    /// `pong` (§4.6): the answer to `ping`.
    public static func pong(id: String?, nowMs: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.field("type", "pong")
        if let id { json.field("id", id) }
        json.field("t", clamp(nowMs))
        json.endObject()
        return json.buffer
    }

    /// `error` (§6): a request refused in whole or in part; the connection stays open.
    /// `requestId`: under which the bridge logged what went wrong on its side.
    public static func error(
        _ code: ErrorCode, message: String, ref: String? = nil, games: [String]? = nil, teams: [String]? = nil,
        leagues: [String]? = nil, retryAfterMs: Int? = nil, requestId: String? = nil
    ) -> ByteBuffer {
        var json = JSONWriter(capacity: 128)
        json.beginObject()
        json.field("type", "error")
        json.field("code", code.rawValue)
        json.field("message", message)
        if let ref { json.field("ref", ref) }
        if let games { json.field("games", strings: games) }
        if let teams { json.field("teams", strings: teams) }
        if let leagues { json.field("leagues", strings: leagues) }
        if let retryAfterMs { json.field("retryAfterMs", max(0, retryAfterMs)) }
        if let requestId { json.field("requestId", requestId) }
        json.endObject()
        return json.buffer
    }

    /// `authorized` (§4.9): the connection token was accepted; it expires at `expiresAtMs`.
    public static func authorized(expiresAtMs: Int64, id: String?) -> ByteBuffer {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.field("type", "authorized")
        json.field("expiresAt", clamp(expiresAtMs))
        if let id { json.field("id", id) }
        json.endObject()
        return json.buffer
    }

    /// `refresh` (§4.10): the connection token has expired; send a new one within `closeInMs`.
    public static func refresh(expiresAtMs: Int64, closeInMs: Int64) -> ByteBuffer {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.field("type", "refresh")
        json.field("expiresAt", clamp(expiresAtMs))
        json.field("closeInMs", clamp(closeInMs))
        json.endObject()
        return json.buffer
    }

    /// `expired` (§4.11): no new token came; the connection closes (4002) or the stream ends.
    public static func expired() -> ByteBuffer {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.field("type", "expired")
        json.field("message", "the connection token expired and no new one came")
        json.endObject()
        return json.buffer
    }

    /// `goaway` (§4.8): reconnect after `retryAfterMs` (clamped to 0 … 600000).
    public static func goaway(retryAfterMs: Int, reason: String?) -> ByteBuffer {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.field("type", "goaway")
        json.field("retryAfterMs", min(max(0, retryAfterMs), 600_000))
        if let reason { json.field("reason", reason) }
        json.endObject()
        return json.buffer
    }

    // MARK: Parts

    /// Writes a GameState object (§2) into `json`.
    public static func gameState(_ state: GameState, into json: inout JSONWriter) {
        json.beginObject()
        json.field("home", UInt64(state.homeScore))
        json.field("away", UInt64(state.awayScore))
        json.field("period", UInt64(state.period))
        json.field("clockMs", UInt64(state.clockMs))
        json.field("clockRunning", state.clockRunning)
        json.field("status", statusName(state.status))
        json.endObject()
    }

    /// The protocol's name of a status (unspecified or unknown reads as `scheduled`).
    public static func statusName(_ status: GameStatus) -> String {
        status.isSpecified ? status.name : "scheduled"
    }

    /// The protocol's name of an event kind (unknown kinds read as `other`).
    public static func kindName(_ kind: EventKind) -> String {
        kind.name
    }

    /// A team id that satisfies the TeamId pattern: an unknown or malformed one reads as `TBD`.
    static func teamId(_ id: String) -> String {
        ProtocolIds.isTeamId(id) ? id : "TBD"
    }

    static func clamp(_ value: UInt64) -> UInt64 { min(value, ProtocolIds.maximumInteger) }
    static func clamp(_ value: Int64) -> UInt64 { value <= 0 ? 0 : min(UInt64(value), ProtocolIds.maximumInteger) }
}
