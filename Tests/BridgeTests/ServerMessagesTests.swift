import CourtsideJSON
import CourtsideProto
import NIOCore
import Testing

@testable import Bridge

/// Every server message against the field rules of docs/protocol.schema.json: required fields
/// present, optional ones omitted rather than null, no unknown fields, integers in range.
@Suite struct ServerMessagesTests {
    private func object(_ buffer: ByteBuffer) throws -> [String: JSONValue] {
        guard case .object(let members) = try JSONParser.parse(Array(buffer.readableBytesView), options: .clientMessage) else {
            Issue.record("not an object")
            return [:]
        }
        return Dictionary(members, uniquingKeysWith: { first, _ in first })
    }

    private func keys(_ buffer: ByteBuffer) throws -> Set<String> {
        Set(try object(buffer).keys)
    }

    private let state = GameState(homeScore: 54, awayScore: 50, period: 2, clockMs: 431_000, clockRunning: true, status: .live)

    @Test func hello() throws {
        let limits = ServerMessages.Limits(maxMessageBytes: 65536, messagesPerSecond: 10, messageBurst: 20, maxGames: 200, maxTeams: 30)
        let json = ServerMessages.hello(server: "courtside-bridge/0.1.0", heartbeatMs: 15000, idleTimeoutMs: 45000, limits: limits)
        #expect(
            String(buffer: json)
                == #"{"type":"hello","protocol":1,"server":"courtside-bridge/0.1.0","heartbeatMs":15000,"idleTimeoutMs":45000,"limits":{"maxMessageBytes":65536,"messagesPerSecond":10,"messageBurst":20,"maxGames":200,"maxTeams":30}}"#
        )
    }

    @Test func followedRepliesAreSortedAndCarryTheId() throws {
        let reply = ServerMessages.followed("subscribed", games: ["b", "a"], teams: [], allLive: false, id: "s1")
        #expect(String(buffer: reply) == #"{"type":"subscribed","games":["a","b"],"teams":[],"allLive":false,"leagues":[],"id":"s1"}"#)
        #expect(
            try keys(ServerMessages.followed("unsubscribed", games: [], teams: ["BOS"], allLive: true, id: nil)) == [
                "type", "games", "teams", "allLive", "leagues",
            ])
    }

    @Test func snapshotOmitsUnknownUpdatedAt() throws {
        let snapshot = ServerMessages.snapshot(
            game: "0022000002", position: GamePosition(epoch: 1, seq: 0), reason: .initial, home: "NYK", away: "MIA", state: GameState(),
            updatedAtMs: 0
        )
        #expect(try keys(snapshot) == ["type", "game", "epoch", "seq", "reason", "home", "away", "state"])
        let state = try object(snapshot)["state"]
        #expect(state?["status"] == .string("scheduled"))
        let withTime = ServerMessages.snapshot(
            game: "g", position: GamePosition(epoch: 1, seq: 42), reason: .collapsed, home: "", away: "BOS", state: self.state,
            updatedAtMs: 1_700_000_000_000
        )
        let fields = try object(withTime)
        #expect(fields["updatedAt"] == .number(JSONNumber(integer: 1_700_000_000_000, isNegative: false, double: 1_700_000_000_000)))
        #expect(fields["home"] == .string("TBD"))
        #expect(fields["reason"] == .string("collapsed"))
    }

    @Test func eventOmitsEmptyOptionalFields() throws {
        let event = Event(
            gameId: "0022000001", position: Position(epoch: 1, seq: 44), kind: EventKind(rawValue: 8), teamId: "LAL", points: 0,
            description: "Lakers timeout", state: state, recordedAtMs: 1_700_000_003_000
        )
        #expect(
            String(buffer: ServerMessages.event(event))
                == #"{"type":"event","game":"0022000001","epoch":1,"seq":44,"kind":"timeout","team":"LAL","points":0,"description":"Lakers timeout","recordedAt":1700000003000,"state":{"home":54,"away":50,"period":2,"clockMs":431000,"clockRunning":true,"status":"live"}}"#
        )
        let bare = Event(
            gameId: "g", position: Position(epoch: 1, seq: 1), kind: EventKind(rawValue: 99), points: 7, state: nil, recordedAtMs: -5)
        let fields = try object(ServerMessages.event(bare))
        #expect(Set(fields.keys) == ["type", "game", "epoch", "seq", "kind", "points", "description", "recordedAt", "state"])
        #expect(fields["kind"] == .string("other"))
        #expect(fields["points"] == .number(JSONNumber(integer: 3, isNegative: false, double: 3)))
        #expect(fields["recordedAt"] == .number(JSONNumber(integer: 0, isNegative: false, double: 0)))
    }

    @Test func smallMessages() throws {
        #expect(String(buffer: ServerMessages.heartbeat(nowMs: 1_700_000_015_000)) == #"{"type":"heartbeat","t":1700000015000}"#)
        #expect(String(buffer: ServerMessages.pong(id: "p7", nowMs: 5)) == #"{"type":"pong","id":"p7","t":5}"#)
        #expect(String(buffer: ServerMessages.pong(id: nil, nowMs: 5)) == #"{"type":"pong","t":5}"#)
        #expect(
            String(buffer: ServerMessages.goaway(retryAfterMs: 700_000, reason: "shutdown"))
                == #"{"type":"goaway","retryAfterMs":600000,"reason":"shutdown"}"#)
        let error = ServerMessages.error(.unknownGame, message: "no such game: x", ref: "s1", games: ["x"])
        #expect(String(buffer: error) == #"{"type":"error","code":"unknown_game","message":"no such game: x","ref":"s1","games":["x"]}"#)
        let limited = ServerMessages.error(.rateLimited, message: "slow down", retryAfterMs: 100)
        #expect(try keys(limited) == ["type", "code", "message", "retryAfterMs"])
    }

    @Test func sharedItemCarriesFrameAndSSEData() {
        let event = Event(
            gameId: "g", position: Position(epoch: 1, seq: 2), kind: EventKind(rawValue: 1), points: 2, state: state, recordedAtMs: 1)
        let item = BridgeItem(item: StreamItem(item: .event(event)), teams: (home: "BOS", away: "LAL"), previousStatus: .live)
        var frame = item.frame
        #expect(frame.readInteger(as: UInt8.self) == 0x81)
        var length = Int(frame.readInteger(as: UInt8.self) ?? 0)
        if length == 126 { length = Int(frame.readInteger(as: UInt16.self) ?? 0) }
        #expect(length == item.json.readableBytes)
        #expect(frame.readableBytesView.elementsEqual(item.json.readableBytesView))
        #expect(String(buffer: item.sseData) == "data: " + String(buffer: item.json) + "\n\n")
        #expect(!item.isSnapshot)
        #expect(item.home == "BOS")
    }
}
