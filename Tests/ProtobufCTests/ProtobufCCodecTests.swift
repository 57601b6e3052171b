import CourtsideProto
import CourtsideRPC
import GRPCWire
import NIOCore
import ProtobufC
import Testing

@Suite struct ProtobufCCodecTests {
    private func roundTrip<Message: GRPCMessage & Equatable>(_ message: Message) throws -> Message {
        let bytes = try message.serializedBytes()
        return try bytes.withUnsafeBytes { try Message(serializedBytes: $0) }
    }

    @Test func encodesTheStandardWireFormat() throws {
        #expect(try Position(epoch: 1, seq: 2).serializedBytes() == [0x08, 0x01, 0x10, 0x02])
        #expect(try Position().serializedBytes() == [])
        #expect(try HealthCheckRequest(service: "a").serializedBytes() == [0x0A, 0x01, 0x61])
    }

    @Test func roundTripsNestedMessagesEnumsAndStrings() throws {
        let event = Event(
            gameId: "nba-0022000001",
            position: Position(epoch: 3, seq: 4_000_000_000_000),
            sourceId: "src-1",
            kind: .basket,
            teamId: "BKN",
            points: 3,
            player: "Kyrie Irving",
            description: "Irving 26' 3PT Jump Shot (3 PTS) — ü",
            state: GameState(homeScore: 125, awayScore: 99, period: 5, clockMs: 300_000, clockRunning: true, status: .live),
            occurredAtMs: -1,
            recordedAtMs: 1_700_000_000_000
        )
        #expect(try roundTrip(event) == event)
    }

    @Test func roundTripsOneofs() throws {
        let item = StreamItem(reason: .reset, item: .snapshot(Snapshot(gameId: "g", position: Position(epoch: 1, seq: 9))))
        #expect(try roundTrip(item) == item)
        let event = StreamItem(item: .event(Event(gameId: "g", sourceId: "s")))
        #expect(try roundTrip(event) == event)
        #expect(try roundTrip(StreamItem()) == StreamItem())
    }

    @Test func roundTripsRepeatedFieldsAndBytes() throws {
        let request = ListGamesRequest(
            dateFrom: "2026-11-01", teamIds: ["BOS", "", "LAL"], statuses: [.live, .final, GameStatus(rawValue: 42)], pageSize: 7)
        #expect(try roundTrip(request) == request)
        let response = EchoResponse(text: "t", index: 1, payload: [0, 255, 0], metadata: ["a=b", "c=d"])
        #expect(try roundTrip(response) == response)
        let batch = PublishEventsRequest(events: (0..<50).map { Event(gameId: "g\($0)", sourceId: "s\($0)") })
        #expect(try roundTrip(batch) == batch)
    }

    @Test func keepsUnknownEnumValues() throws {
        let state = GameState(status: GameStatus(rawValue: 99))
        #expect(try roundTrip(state).status.rawValue == 99)
        #expect(GameStatus(rawValue: 99).protoName == nil)
        #expect(GameStatus.halftime.protoName == "GAME_STATUS_HALFTIME")
    }

    @Test func roundTripsRecursiveMessages() throws {
        var nested = Nested(label: "leaf")
        for level in 0..<50 {
            nested = Nested(child: nested, label: "level \(level)")
        }
        #expect(try roundTrip(nested) == nested)
    }
}

@Suite struct ProtobufCDecoderLimitTests {
    /// `Nested` wrapped `depth` times, built as raw bytes (field 1, length-delimited).
    private func nestedBytes(depth: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 1..<depth {
            var prefix: [UInt8] = [0x0A]
            var length = bytes.count
            repeat {
                var byte = UInt8(length & 0x7F)
                length >>= 7
                if length > 0 { byte |= 0x80 }
                prefix.append(byte)
            } while length > 0
            bytes = prefix + bytes
        }
        return bytes
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let bytes = nestedBytes(depth: 100)
        let decoded = try bytes.withUnsafeBytes { try Nested(serializedBytes: $0) }
        var depth = 1
        var current = decoded
        while let child = current.child {
            depth += 1
            current = child
        }
        #expect(depth == 100)
    }

    @Test func refusesNestingBeyondTheLimitWithoutRecursingIntoIt() throws {
        for depth in [101, 1_000, 100_000] {
            let bytes = nestedBytes(depth: depth)
            #expect(throws: ProtobufCDecodingError.self) {
                try bytes.withUnsafeBytes { try Nested(serializedBytes: $0) }
            }
        }
    }

    @Test func refusesMalformedBytes() throws {
        let malformed: [[UInt8]] = [
            [0xFF],  // truncated tag
            [0x08],  // missing varint
            [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // overlong varint
            [0x0A, 0x05, 0x61],  // length past the end
            [0x0B],  // group start
            [0x0F],  // wire type 7
            [0x00],  // field number 0
            [0x0D, 0x01, 0x02],  // truncated fixed32
        ]
        for bytes in malformed {
            #expect(throws: (any Error).self, "\(bytes)") {
                try bytes.withUnsafeBytes { try EchoRequest(serializedBytes: $0) }
            }
        }
    }

    @Test func refusesAWrongWireTypeForAKnownField() throws {
        // Field 1 of EchoRequest is a string; send it as a varint.
        #expect(throws: (any Error).self) {
            try [UInt8]([0x08, 0x01]).withUnsafeBytes { try EchoRequest(serializedBytes: $0) }
        }
    }

    @Test func survivesRandomBytes() throws {
        var generator = SeededGenerator(seed: 42)
        var decoded = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if (try? bytes.withUnsafeBytes({ try Event(serializedBytes: $0) })) != nil {
                decoded += 1
            }
            _ = try? bytes.withUnsafeBytes { try StreamItem(serializedBytes: $0) }
            _ = try? bytes.withUnsafeBytes { try Nested(serializedBytes: $0) }
        }
        #expect(decoded > 0, "some random inputs are valid messages")
    }
}

/// xorshift64*: deterministic random numbers for reproducible fuzz-style tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
