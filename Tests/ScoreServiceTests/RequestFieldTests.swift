import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import ScoreService
import Storage
import TestSupport
import Testing

/// The score service's request fields over gRPC: every number of every RPC at the boundaries,
/// every string empty, at its limit and over it. The answer is OK or a clear INVALID_ARGUMENT,
/// OUT_OF_RANGE or NOT_FOUND, never a crash (a trap would end this test process), and a
/// refused request leaves the log as it was.
@Suite struct ScoreRequestFieldTests {
    /// A server with one game of three events, and a directory to add games to.
    private func server() async throws -> (RunningScoreServer, StaticGameDirectory, gameId: String, epoch: UInt64) {
        let gameId = uniqueGameId()
        let directory = StaticGameDirectory(games: [game(gameId)])
        let server = try await RunningScoreServer.start(games: [], directory: directory)
        let published = try await server.score.publishEvents(
            PublishEventsRequest(events: (1...3).map { basket(gameId, $0, home: UInt32($0), away: 0) }))
        return (server, directory, gameId, try #require(published.results.first?.position?.epoch))
    }

    private static func positionCode(_ value: UInt64) -> GRPCStatusCode {
        value <= UInt64(Int64.max) ? .ok : .outOfRange
    }

    // MARK: ListEvents

    @Test(arguments: Boundary.unsigned64)
    func listEventsAfterSeq(value: UInt64) async throws {
        let (server, _, gameId, _) = try await server()
        var events: [Event] = []
        let code = await outcome {
            events = try await server.score.listEvents(ListEventsRequest(gameId: gameId, afterSeq: value)).events
        }
        #expect(code == Self.positionCode(value))
        if code == .ok {
            let expected: [UInt64] = value < 3 ? Array((value + 1)...3) : []
            #expect(events.map { $0.position?.seq ?? 0 } == expected)
        }
        await server.stop()
    }

    @Test(arguments: Boundary.unsigned64)
    func listEventsBeforeSeq(value: UInt64) async throws {
        let (server, _, gameId, _) = try await server()
        var events: [Event] = []
        let code = await outcome {
            events = try await server.score.listEvents(ListEventsRequest(gameId: gameId, newestFirst: true, beforeSeq: value)).events
        }
        #expect(code == Self.positionCode(value))
        if code == .ok {
            let expected: [UInt64] = value == 0 ? [3, 2, 1] : [3, 2, 1].filter { $0 < value }
            #expect(events.map { $0.position?.seq ?? 0 } == expected)
        }
        await server.stop()
    }

    @Test(arguments: Boundary.unsigned32 + [1000, 1001])
    func listEventsPageSize(value: UInt32) async throws {
        let (server, _, gameId, _) = try await server()
        let code = await outcome { _ = try await server.score.listEvents(ListEventsRequest(gameId: gameId, pageSize: value)) }
        #expect(code == (value <= 1000 ? .ok : .invalidArgument))
        await server.stop()
    }

    @Test func listEventsStringsAndTokens() async throws {
        let (server, _, gameId, epoch) = try await server()
        func list(_ request: ListEventsRequest) async -> GRPCStatusCode {
            await outcome { _ = try await server.score.listEvents(request) }
        }
        #expect(await list(ListEventsRequest(gameId: "")) == .invalidArgument)
        #expect(await list(ListEventsRequest(gameId: String(repeating: "g", count: 128))) == .notFound)
        #expect(await list(ListEventsRequest(gameId: String(repeating: "g", count: 129))) == .invalidArgument)
        #expect(await list(ListEventsRequest(gameId: "a game")) == .invalidArgument)
        // Tokens: forged beyond any position, too long, or not one of ours.
        #expect(await list(ListEventsRequest(gameId: gameId, pageToken: PageToken(scope: epoch, number: 2).encoded)) == .ok)
        #expect(await list(ListEventsRequest(gameId: gameId, pageToken: PageToken(scope: epoch, number: .max).encoded)) == .invalidArgument)
        #expect(
            await list(ListEventsRequest(gameId: gameId, pageToken: PageToken(scope: epoch + 1, number: 2).encoded)) == .invalidArgument)
        #expect(
            await list(
                ListEventsRequest(gameId: gameId, pageToken: PageToken(scope: epoch, number: UInt64(Int64.max)).encoded, newestFirst: true))
                == .ok)
        #expect(await list(ListEventsRequest(gameId: gameId, pageToken: String(repeating: "p", count: 1024))) == .invalidArgument)
        // Refused for its length before it is parsed.
        let long = await #expect(throws: RPCError.self) {
            _ = try await server.score.listEvents(ListEventsRequest(gameId: gameId, pageToken: String(repeating: "p", count: 1025)))
        }
        #expect(long?.message == "page_token: longer than 1024 bytes")
        await server.stop()
    }

    // MARK: StreamEvents

    @Test(arguments: Boundary.unsigned64)
    func streamEventsCursorSeq(value: UInt64) async throws {
        let (server, _, gameId, epoch) = try await server()
        var first: StreamItem?
        let code = await outcome {
            first = try await collect(
                server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: epoch, seq: value))]), count: 1,
                timeout: .seconds(2)
            ).first
        }
        switch value {
        case 0...2:
            #expect(code == .ok)
            #expect(first?.event?.position?.seq == value + 1)
        case 3:
            #expect(code == .deadlineExceeded, "up to date: nothing to send until the next event")
        case ...UInt64(Int64.max):
            #expect(code == .ok)
            #expect(first?.reason == .reset, "a position ahead of the log starts over from a snapshot")
        default:
            #expect(code == .outOfRange)
        }
        await server.stop()
    }

    @Test(arguments: Boundary.unsigned64)
    func streamEventsCursorEpoch(value: UInt64) async throws {
        let (server, _, gameId, _) = try await server()
        var first: StreamItem?
        let code = await outcome {
            first = try await collect(
                server.score, StreamEventsRequest(games: [GameCursor(gameId: gameId, after: Position(epoch: value, seq: 1))]), count: 1
            ).first
        }
        #expect(code == Self.positionCode(value))
        if code == .ok { #expect(first?.reason == .reset, "another epoch starts over from a snapshot") }
        await server.stop()
    }

    @Test func streamEventsGamesAreCheckedBeforeAnyLogIsCreated() async throws {
        let (server, directory, gameId, _) = try await server()
        let quiet = uniqueGameId()
        directory.add(game(quiet))
        func stream(_ request: StreamEventsRequest) async -> GRPCStatusCode {
            await outcome { _ = try await collect(server.score, request, count: 1) }
        }
        #expect(await stream(StreamEventsRequest(games: [GameCursor(gameId: "")])) == .invalidArgument)
        #expect(await stream(StreamEventsRequest(games: [GameCursor(gameId: String(repeating: "g", count: 129))])) == .invalidArgument)
        #expect(await stream(StreamEventsRequest(games: [GameCursor(gameId: gameId), GameCursor(gameId: gameId)])) == .invalidArgument)
        let tooMany = (0...RequestLimits.cursorsPerRequest).map { GameCursor(gameId: "g\($0)") }
        #expect(await stream(StreamEventsRequest(games: tooMany, allGames: true)) == .invalidArgument)
        // An unknown game refuses the call before the known one gets a log.
        #expect(await stream(StreamEventsRequest(games: [GameCursor(gameId: quiet), GameCursor(gameId: "unknown-game")])) == .notFound)
        #expect(server.server.engine.head(quiet) == nil)
        await server.stop()
    }

    // MARK: GetSnapshots

    @Test func getSnapshotsIdsAreCheckedBeforeAnyLogIsCreated() async throws {
        let (server, directory, _, _) = try await server()
        let quiet = uniqueGameId()
        directory.add(game(quiet))
        func snapshots(_ ids: [String]) async -> GRPCStatusCode {
            await outcome { _ = try await server.score.getSnapshots(GetSnapshotsRequest(gameIds: ids)) }
        }
        #expect(await snapshots([""]) == .invalidArgument)
        #expect(await snapshots([String(repeating: "g", count: 128)]) == .notFound)
        #expect(await snapshots([String(repeating: "g", count: 129)]) == .invalidArgument)
        #expect(await snapshots(Array(repeating: quiet, count: RequestLimits.gameIDsPerRequest + 1)) == .invalidArgument)
        #expect(await snapshots([quiet, "unknown-game"]) == .notFound)
        #expect(server.server.engine.head(quiet) == nil, "a refused call created no log")
        #expect(await snapshots(Array(repeating: quiet, count: RequestLimits.gameIDsPerRequest)) == .ok)
        await server.stop()
    }

    // MARK: PublishEvents

    /// Every number of an event, set to each boundary its type allows, on the first event of a
    /// fresh game: accepted when the rules allow it, INVALID_ARGUMENT otherwise, and then the
    /// game has no log.
    enum EventNumber: String, CaseIterable, CustomTestStringConvertible {
        case points, homeScore, awayScore, period, clockMs, occurredAtMs, recordedAtMs, positionEpoch, positionSeq, kind, status
        var testDescription: String { rawValue }

        /// The values to try, each with whether the service accepts it.
        var cases: [(apply: (inout Event) -> Void, accepted: Bool)] {
            func state(_ change: @escaping (inout GameState) -> Void) -> (inout Event) -> Void {
                { event in change(&event.state!) }
            }
            switch self {
            case .points: return Boundary.unsigned32.map { value in ({ $0.points = value }, value <= 3) }
            // Scores are only compared (a score goes down only in a correction): any uint32 will do.
            case .homeScore: return Boundary.unsigned32.map { value in (state { $0.homeScore = value }, true) }
            case .awayScore: return Boundary.unsigned32.map { value in (state { $0.awayScore = value }, true) }
            case .period: return Boundary.unsigned32.map { value in (state { $0.period = value }, value <= 20) }
            // At most a period of the game's league: 12 minutes in period 1 of an NBA game (LeagueClockTests).
            case .clockMs: return Boundary.unsigned32.map { value in (state { $0.clockMs = value }, value <= 720_000) }
            case .occurredAtMs:
                return Boundary.signed64.map { value in
                    ({ $0.occurredAtMs = value }, value >= 0 && value <= RequestLimits.maximumTimestampMs)
                }
            // Set by the service: whatever a publisher sends is replaced.
            case .recordedAtMs: return Boundary.signed64.map { value in ({ $0.recordedAtMs = value }, true) }
            case .positionEpoch: return Boundary.unsigned64.map { value in ({ $0.position = Position(epoch: value, seq: 1) }, true) }
            case .positionSeq: return Boundary.unsigned64.map { value in ({ $0.position = Position(epoch: 1, seq: value) }, true) }
            case .kind: return Boundary.signed32.map { value in ({ $0.kind = EventKind(rawValue: value) }, (1...16).contains(value)) }
            case .status:
                return Boundary.signed32.map { value in (state { $0.status = GameStatus(rawValue: value) }, (1...6).contains(value)) }
            }
        }
    }

    @Test(arguments: EventNumber.allCases)
    func publishNumbers(field: EventNumber) async throws {
        let (server, directory, _, _) = try await server()
        for (index, (apply, accepted)) in field.cases.enumerated() {
            let gameId = uniqueGameId()
            directory.add(game(gameId))
            var event = basket(gameId, index, home: 0, away: 0)
            apply(&event)
            var result: PublishEventsResponse?
            let code = await outcome { result = try await server.score.publishEvents(PublishEventsRequest(events: [event])) }
            #expect(code == (accepted ? .ok : .invalidArgument), "\(field) case \(index)")
            if accepted {
                #expect(result?.results.first?.position?.seq == 1, "the service assigns the position, whatever was sent")
                #expect(server.server.engine.head(gameId)?.lastSeq == 1)
            } else {
                #expect(server.server.engine.head(gameId) == nil, "a refused event leaves no trace")
            }
        }
        await server.stop()
    }

    /// Every string of an event empty, at its limit and over it.
    enum EventString: String, CaseIterable, CustomTestStringConvertible {
        case gameId, sourceId, teamId, player, description
        var testDescription: String { rawValue }

        var limit: Int {
            switch self {
            case .gameId: RequestLimits.gameIDBytes
            case .sourceId: RequestLimits.sourceIDBytes
            case .teamId: RequestLimits.teamIDBytes
            case .player: RequestLimits.playerBytes
            case .description: RequestLimits.descriptionBytes
            }
        }

        var mayBeEmpty: Bool { self == .teamId || self == .player || self == .description }

        func set(_ value: String, on event: inout Event) {
            switch self {
            case .gameId: event.gameId = value
            case .sourceId: event.sourceId = value
            case .teamId: event.teamId = value
            case .player: event.player = value
            case .description: event.description = value
            }
        }
    }

    @Test(arguments: EventString.allCases)
    func publishStrings(field: EventString) async throws {
        let (server, directory, gameId, _) = try await server()
        // Multi-byte characters: limits count UTF-8 bytes, not characters.
        let atLimit = String(repeating: "é", count: field.limit / 2)
        let cases: [(String, GRPCStatusCode)] = [
            ("", field.mayBeEmpty ? .ok : .invalidArgument),
            (field == .gameId || field == .teamId ? String(repeating: "x", count: field.limit) : atLimit, .ok),
            (String(repeating: "x", count: field.limit + 1), .invalidArgument),
        ]
        for (index, (value, expected)) in cases.enumerated() {
            if field == .gameId, !value.isEmpty { directory.add(game(value)) }
            var event = basket(gameId, 100 + index, home: 3, away: 0)
            field.set(value, on: &event)
            let before = server.server.engine.head(event.gameId)?.lastSeq
            let code = await outcome { _ = try await server.score.publishEvents(PublishEventsRequest(events: [event])) }
            #expect(code == expected, "\(field) of \(value.utf8.count) bytes")
            if code != .ok {
                #expect(server.server.engine.head(event.gameId)?.lastSeq == before, "a refused event leaves no trace")
            }
        }
        // Ids may not hold spaces or control characters; no text may hold a control character but the description.
        var spaced = basket(gameId, 200, home: 3, away: 0)
        spaced.teamId = "B OS"
        #expect(await outcome { _ = try await server.score.publishEvents(PublishEventsRequest(events: [spaced])) } == .invalidArgument)
        var control = basket(gameId, 201, home: 3, away: 0)
        control.player = "Jay\u{7}son"
        #expect(await outcome { _ = try await server.score.publishEvents(PublishEventsRequest(events: [control])) } == .invalidArgument)
        await server.stop()
    }

    @Test func aBatchNamingAnUnknownGameCreatesNoLog() async throws {
        let (server, directory, _, _) = try await server()
        let quiet = uniqueGameId()
        directory.add(game(quiet))
        let code = await outcome {
            _ = try await server.score.publishEvents(
                PublishEventsRequest(events: [basket(quiet, 1, home: 2, away: 0), basket("unknown-game", 2, home: 2, away: 0)]))
        }
        #expect(code == .notFound)
        #expect(server.server.engine.head(quiet) == nil)
        await server.stop()
    }

    @Test func batchAndStreamSizes() async throws {
        let (server, _, gameId, _) = try await server()
        let batch = (1...RequestLimits.eventsPerBatch).map { basket(gameId, $0 % 3 + 1, home: 3, away: 0) }  // repeats of stored events
        #expect(
            await outcome { _ = try await server.score.publishEvents(PublishEventsRequest(events: batch + [batch[0]])) } == .invalidArgument
        )
        // A stream's response holds a result per event: past the limit the stream is refused,
        // naming what was stored.
        let batches = RequestLimits.eventsPerStream / RequestLimits.eventsPerBatch
        do {
            _ = try await server.score.publishEventStream { writer in
                for _ in 0...batches { try await writer.write(PublishEventsRequest(events: batch)) }
            }
            Issue.record("more than \(RequestLimits.eventsPerStream) events in one stream must be refused")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("batch \(batches): events: a stream carries at most"))
            #expect(error.message.contains("batches 0–\(batches - 1) were stored"))
        }
        #expect(server.server.engine.head(gameId)?.lastSeq == 3)
        await server.stop()
    }
}

/// The score stores with numbers beyond a signed 64-bit column: never a trap.
@Suite struct ScoreStoreNumberTests {
    @Test(arguments: Backend.allCases)
    func boundsBeyondTheColumnsAreReadAsFiltersAndWritesAreRefused(backend: Backend) async throws {
        let store = try await makeStore(try backend.location())
        let gameId = uniqueGameId()
        var commit = ScoreCommit()
        var event = basket(gameId, 1, home: 2, away: 0)
        event.position = Position(epoch: 7, seq: 1)
        commit.events = [event]
        commit.games = [
            StoredGame(
                gameId: gameId, epoch: 7, lastSeq: 1, firstKeptSeq: 1, state: event.state!, homeTeamId: "BOS", awayTeamId: "LAL",
                updatedAtMs: 1)
        ]
        try await store.commit(commit)
        for value in Boundary.unsigned64 {
            let after = try await store.events(gameId: gameId, epoch: 7, afterSeq: value, limit: 10)
            #expect(after.count == (value == 0 ? 1 : 0))
            let before = try await store.eventsDescending(gameId: gameId, epoch: 7, beforeSeq: value, limit: 10)
            #expect(before.count == (value >= 2 ? 1 : 0))
        }
        await #expect(throws: StoredIntegerError.self) {
            _ = try await store.events(gameId: gameId, epoch: 1 << 63, afterSeq: 0, limit: 10)
        }
        var beyond = commit
        beyond.events[0].position = Position(epoch: 7, seq: 1 << 63)
        beyond.games[0].lastSeq = 1 << 63
        await #expect(throws: StoredIntegerError.self) { try await store.commit(beyond) }
        #expect(try await store.loadGames().first { $0.gameId == gameId }?.lastSeq == 1, "the refused commit wrote nothing")
        await store.close()
    }
}

/// Errors from storage and from the schedule service reach clients without their details.
@Suite struct ScoreInternalErrorTests {
    struct Secret: Error, CustomStringConvertible {
        var description: String { "disk /var/secret/score.sqlite is on fire" }
    }

    /// A store whose commits fail.
    final class FailingStore: ScoreStore {
        func loadGames() async throws -> [StoredGame] { [] }
        func loadSourceIds(gameId: String) async throws -> [String: UInt64] { [:] }
        func commit(_ commit: ScoreCommit) async throws { throw Secret() }
        func events(gameId: String, epoch: UInt64, afterSeq: UInt64, limit: Int) async throws -> [Event] { [] }
        func eventsDescending(gameId: String, epoch: UInt64, beforeSeq: UInt64, limit: Int) async throws -> [Event] { [] }
        func close() async {}
    }

    @Test func aStorageFailureIsUnavailableWithAFixedMessage() async throws {
        let gameId = uniqueGameId()
        let engine = ScoreEngine(store: FailingStore(), directory: StaticGameDirectory(games: [game(gameId)]), logger: Logger(label: "t"))
        try await engine.start()
        do {
            _ = try await engine.publish([basket(gameId, 1, home: 2, away: 0)])
            Issue.record("the commit fails")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
            #expect(!error.message.contains("secret") && !error.message.contains("fire"), "\(error.message)")
        }
        await engine.stop()
    }

    @Test func anUnreachableScheduleIsUnavailableWithoutItsAddress() async throws {
        let client = GRPCClient(host: "127.0.0.1", port: 1)  // nothing listens there
        let directory = ScheduleGameDirectory(client: client, logger: Logger(label: "t"))
        do {
            _ = try await directory.game(id: "game")
            Issue.record("nothing listens on port 1")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
            #expect(!error.message.contains("127.0.0.1") && !error.message.contains("connect"), "\(error.message)")
        }
        await directory.finish()
        client.close()
    }
}
