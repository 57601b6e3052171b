import CourtsideProto
import CourtsideRPC
import GRPCWire
import Testing

/// Every `string` field of every request the score, schedule and subscription services accept
/// (nested and repeated ones included): invalid UTF-8 or a NUL byte in it makes decoding fail,
/// which the server answers with INVALID_ARGUMENT before a handler runs. protobuf-c itself does
/// not check, and would hand "a\0b" over as "a".
@Suite struct StringFieldTextTests {
    struct StringField: CustomTestStringConvertible, Sendable {
        let name: String
        let encode: @Sendable (String) throws -> [UInt8]
        let decode: @Sendable ([UInt8]) throws -> Void

        init<Message: GRPCMessage>(_ name: String, _ make: @escaping @Sendable (String) -> Message) {
            self.name = name
            encode = { try make($0).serializedBytes() }
            decode = { bytes in _ = try bytes.withUnsafeBytes { try Message(serializedBytes: $0) } }
        }

        var testDescription: String { name }
    }

    static let fields: [StringField] = [
        StringField("PublishEventsRequest.events.game_id") { PublishEventsRequest(events: [Event(gameId: $0)]) },
        StringField("PublishEventsRequest.events.source_id") { PublishEventsRequest(events: [Event(sourceId: $0)]) },
        StringField("PublishEventsRequest.events.team_id") { PublishEventsRequest(events: [Event(teamId: $0)]) },
        StringField("PublishEventsRequest.events.player") { PublishEventsRequest(events: [Event(player: $0)]) },
        StringField("PublishEventsRequest.events.description") { PublishEventsRequest(events: [Event(description: $0)]) },
        StringField("GetSnapshotsRequest.game_ids") { GetSnapshotsRequest(gameIds: ["ok", $0]) },
        StringField("StreamEventsRequest.games.game_id") { StreamEventsRequest(games: [GameCursor(gameId: $0)]) },
        StringField("ListEventsRequest.game_id") { ListEventsRequest(gameId: $0) },
        StringField("ListEventsRequest.page_token") { ListEventsRequest(pageToken: $0) },
        StringField("ListGamesRequest.date_from") { ListGamesRequest(dateFrom: $0) },
        StringField("ListGamesRequest.date_to") { ListGamesRequest(dateTo: $0) },
        StringField("ListGamesRequest.team_ids") { ListGamesRequest(teamIds: [$0]) },
        StringField("ListGamesRequest.page_token") { ListGamesRequest(pageToken: $0) },
        StringField("GetGameRequest.game_id") { GetGameRequest(gameId: $0) },
        StringField("UpsertGamesRequest.games.id") { UpsertGamesRequest(games: [Game(id: $0)]) },
        StringField("UpsertGamesRequest.games.home_team_id") { UpsertGamesRequest(games: [Game(homeTeamId: $0)]) },
        StringField("UpsertGamesRequest.games.away_team_id") { UpsertGamesRequest(games: [Game(awayTeamId: $0)]) },
        StringField("UpsertGamesRequest.games.date") { UpsertGamesRequest(games: [Game(date: $0)]) },
        StringField("UpsertGamesRequest.games.venue") { UpsertGamesRequest(games: [Game(venue: $0)]) },
        StringField("UpdateGameStatusRequest.game_id") { UpdateGameStatusRequest(gameId: $0) },
        StringField("WatchGamesRequest.game_ids") { WatchGamesRequest(gameIds: [$0]) },
        StringField("SubscribeRequest.filter.game_ids") { SubscribeRequest(filter: SubscriptionFilter(gameIds: [$0])) },
        StringField("SubscribeRequest.filter.team_ids") { SubscribeRequest(filter: SubscriptionFilter(teamIds: [$0])) },
        StringField("SubscribeRequest.resume.game_id") { SubscribeRequest(resume: [GameCursor(gameId: $0)]) },
        StringField("SubscribeRequest.subscription_name") { SubscribeRequest(subscriptionName: $0) },
        StringField("CreateSubscriptionRequest.name") { CreateSubscriptionRequest(name: $0) },
        StringField("CreateSubscriptionRequest.filter.game_ids") { CreateSubscriptionRequest(filter: SubscriptionFilter(gameIds: [$0])) },
        StringField("GetSubscriptionRequest.name") { GetSubscriptionRequest(name: $0) },
        StringField("DeleteSubscriptionRequest.name") { DeleteSubscriptionRequest(name: $0) },
        StringField("AcknowledgeRequest.name") { AcknowledgeRequest(name: $0) },
        StringField("AcknowledgeRequest.positions.game_id") { AcknowledgeRequest(positions: [GameCursor(gameId: $0)]) },
        StringField("HealthCheckRequest.service") { HealthCheckRequest(service: $0) },
    ]

    /// Byte sequences that are not UTF-8 (or hold a NUL), each put in place of a marker of the
    /// same length so that every length prefix stays right.
    static let invalid: [[UInt8]] = [
        [0xFF],  // never in UTF-8
        [0x00],  // NUL
        [0x61, 0x00, 0x62],  // "a\0b"
        [0xC3],  // a truncated two-byte sequence
        [0xC0, 0xAF],  // an overlong "/"
        [0xED, 0xA0, 0x80],  // a UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
        [0x80],  // a lone continuation byte
    ]

    @Test(arguments: fields)
    func invalidTextIsRefused(field: StringField) throws {
        for valid in ["MARKER", "é€😀", ""] {
            try field.decode(try field.encode(valid))
        }
        let marker = Array("MARKER".utf8)
        let template = try field.encode("MARKER")
        let start = try #require(template.indices.first { template[$0...].starts(with: marker) })
        for bytes in Self.invalid {
            var spliced = template
            spliced.replaceSubrange(start..<(start + bytes.count), with: bytes)
            #expect(throws: (any Error).self, "\(bytes)") { try field.decode(spliced) }
        }
    }
}
