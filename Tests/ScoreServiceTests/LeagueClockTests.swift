import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC
import Logging
import ScoreService
import Storage
import TestSupport
import Testing

/// Issue 15: an event's clock is at most the length of its period in its game's league (a
/// regulation period or an overtime); a longer one is INVALID_ARGUMENT and changes nothing. A
/// league Courtside does not know keeps the hour every clock is held to.
@Suite struct LeagueClockTests {
    /// A score server whose schedule knows one game, of `league`.
    static func serving(_ league: String) async throws -> (RunningScoreServer, Game) {
        var game = game(uniqueGameId(league), home: "\(league)-A", away: "\(league)-B")
        game.leagueId = league
        return (try await RunningScoreServer.start(games: [game]), game)
    }

    static func event(_ gameId: String, _ n: Int, period: UInt32, clockMs: UInt32) -> Event {
        var event = basket(gameId, n, home: UInt32(n), away: 0, period: period)
        event.state!.clockMs = clockMs
        return event
    }

    /// The call's status and, when refused, its message.
    static func publish(_ server: RunningScoreServer, _ events: [Event]) async -> (GRPCStatusCode, String) {
        do {
            _ = try await server.score.publishEvents(PublishEventsRequest(events: events))
            return (.ok, "")
        } catch let error as RPCError {
            return (error.code, error.message)
        } catch {
            return (.unknown, "\(error)")
        }
    }

    @Test(arguments: [
        // (league, period, longest clock): quarters, halves, overtimes; "" plays as the NBA.
        ("nba", UInt32(1), UInt32(720_000)), ("nba", 5, 300_000), ("", 4, 720_000),
        ("nba-development", 2, 720_000), ("wnba", 1, 600_000), ("wnba", 4, 600_000), ("wnba", 5, 300_000),
        ("womens-college-basketball", 3, 600_000), ("mens-college-basketball", 1, 1_200_000),
        ("mens-college-basketball", 2, 1_200_000), ("mens-college-basketball", 3, 300_000),
        ("mens-college-basketball", 0, 1_200_000),
    ])
    func aClockLongerThanTheLeaguesPeriodIsRefused(league: String, period: UInt32, longest: UInt32) async throws {
        let (server, game) = try await Self.serving(league)
        let (refused, message) = await Self.publish(server, [Self.event(game.id, 1, period: period, clockMs: longest + 1)])
        #expect(refused == .invalidArgument)
        #expect(message.contains("state.clock_ms \(longest + 1) is longer than"), "\(message)")
        #expect(message.contains("league '\(league.isEmpty ? "nba" : league)'"), "\(message)")
        #expect(server.server.engine.head(game.id) == nil, "a refused event leaves no log")

        let (accepted, _) = await Self.publish(server, [Self.event(game.id, 1, period: period, clockMs: longest)])
        #expect(accepted == .ok)
        #expect(server.server.engine.head(game.id)?.lastSeq == 1)
        await server.stop()
    }

    @Test func aGameWithALogRefusesTheWholeBatchWithALongClock() async throws {
        let (server, game) = try await Self.serving("wnba")
        #expect(await Self.publish(server, [Self.event(game.id, 1, period: 1, clockMs: 500_000)]).0 == .ok)
        // The second event's 11-minute clock refuses the batch: the first is not stored either.
        let (code, message) = await Self.publish(
            server, [Self.event(game.id, 2, period: 1, clockMs: 400_000), Self.event(game.id, 3, period: 2, clockMs: 660_000)])
        #expect(code == .invalidArgument)
        #expect(message.hasPrefix("event 1 "), "\(message)")
        #expect(message.contains("a regulation period of league 'wnba' (period 2 lasts 600000 ms)"), "\(message)")
        #expect(server.server.engine.head(game.id)?.lastSeq == 1)
        await server.stop()
    }

    @Test func aLeagueCourtsideDoesNotKnowKeepsTheHour() async throws {
        let (server, game) = try await Self.serving("euroleague")
        #expect(await Self.publish(server, [Self.event(game.id, 1, period: 1, clockMs: 3_600_001)]).0 == .invalidArgument)
        #expect(await Self.publish(server, [Self.event(game.id, 1, period: 1, clockMs: 3_600_000)]).0 == .ok)
        await server.stop()
    }

    /// The schedule service silent (a lost network): every lookup fails after 10 s.
    struct SilentDirectory: GameDirectory {
        func game(id: String) async throws -> Game? {
            try await Task.sleep(for: .seconds(10))
            throw RPCError(.unavailable, "the schedule service did not answer")
        }
        func statusChanged(gameId: String, status: GameStatus) {}
    }

    /// An engine on `file` (reopened by each call) asking `directory`.
    static func engine(_ file: String, _ directory: any GameDirectory) async throws -> ScoreEngine {
        let engine = ScoreEngine(
            store: try SQLiteScoreStore(location: .sqliteFile(path: file)), directory: directory, logger: Logger(label: "league-clock"))
        try await engine.start()
        return engine
    }

    static func code(_ engine: ScoreEngine, _ event: Event) async -> GRPCStatusCode {
        await outcome { _ = try await engine.publish([event]) }
    }

    @Test func afterARestartAGamesLeagueIsAskedForWithoutHoldingItsEvents() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("league-clock-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var wnba = game(uniqueGameId("wnba"), home: "wnba-A", away: "wnba-B")
        wnba.leagueId = "wnba"
        let first = try await Self.engine(file, StaticGameDirectory(games: [wnba]))
        #expect(await Self.code(first, Self.event(wnba.id, 1, period: 1, clockMs: 600_001)) == .invalidArgument)
        #expect(await Self.code(first, Self.event(wnba.id, 1, period: 1, clockMs: 500_000)) == .ok)
        await first.stop()

        // Restarted with the schedule service silent: the game's events are taken at once (no
        // wait for the lookup), held to the hour until the league is known.
        let down = try await Self.engine(file, SilentDirectory())
        let started = ContinuousClock.now
        #expect(await Self.code(down, Self.event(wnba.id, 2, period: 1, clockMs: 700_000)) == .ok)
        #expect(await Self.code(down, Self.event(wnba.id, 3, period: 1, clockMs: 3_600_001)) == .invalidArgument)
        #expect(ContinuousClock.now - started < .seconds(2))
        await down.stop()

        // Restarted with the schedule answering: once it has named the league, its bound applies.
        let up = try await Self.engine(file, StaticGameDirectory(games: [wnba]))
        var n = 10
        try await waitFor("the league to be known", timeout: .seconds(10)) {
            n += 1
            return await Self.code(up, Self.event(wnba.id, n, period: 1, clockMs: 600_001)) == .invalidArgument
        }
        #expect(await Self.code(up, Self.event(wnba.id, 100, period: 1, clockMs: 600_000)) == .ok)
        await up.stop()
    }
}
