import CourtsideProto
import CourtsideRPC
import GRPC
import Logging
import ScoreService
import Storage
import Testing

@Suite struct ScoreEngineTests {
    private func engine(_ location: StorageLocation, games: [Game], configure: (inout ScoreEngine.Configuration) -> Void = { _ in })
        async throws -> (ScoreEngine, StaticGameDirectory)
    {
        let directory = StaticGameDirectory(games: games)
        var configuration = ScoreEngine.Configuration()
        configure(&configuration)
        let engine = ScoreEngine(
            store: try await makeStore(location), directory: directory, configuration: configuration, logger: Logger(label: "t"))
        try await engine.start()
        return (engine, directory)
    }

    @Test(arguments: Backend.allCases)
    func concurrentPublishersGetGaplessPositionsAndRepublishingChangesNothing(backend: Backend) async throws {
        let gameId = uniqueGameId()
        let (engine, _) = try await engine(try backend.location(), games: [game(gameId)])
        // 8 publishers × 500 events into one game. Every event keeps the score (no rule can refuse it).
        let publishers = 8
        let perPublisher = 500
        let results = try await withThrowingTaskGroup(of: [PublishResult].self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    var results: [PublishResult] = []
                    for index in 0..<perPublisher {
                        let event = Event(
                            gameId: gameId, sourceId: "p\(publisher)-\(index)", kind: .other,
                            state: GameState(homeScore: 10, awayScore: 8, period: 1, status: .live)
                        )
                        results += try await engine.publish([event])
                    }
                    return results
                }
            }
            var all: [PublishResult] = []
            for try await results in group { all += results }
            return all
        }
        let seqs = results.map { $0.position?.seq ?? 0 }.sorted()
        #expect(seqs == Array(1...UInt64(publishers * perPublisher)))
        #expect(results.allSatisfy { !$0.duplicate })
        let epoch = results[0].position?.epoch
        #expect(results.allSatisfy { $0.position?.epoch == epoch })

        // Republishing every event: the same positions, nothing new.
        let bySource = Dictionary(uniqueKeysWithValues: results.map { ($0.sourceId, $0.position) })
        for publisher in 0..<publishers {
            let batch = (0..<perPublisher).map { index in
                Event(
                    gameId: gameId, sourceId: "p\(publisher)-\(index)", kind: .other,
                    state: GameState(homeScore: 10, awayScore: 8, period: 1, status: .live))
            }
            let again = try await engine.publish(batch)
            #expect(again.allSatisfy { $0.duplicate })
            #expect(again.allSatisfy { bySource[$0.sourceId] == $0.position })
        }
        let stored = try await engine.storedEvents(gameId)
        #expect(stored.map { $0.position?.seq ?? 0 } == Array(1...UInt64(publishers * perPublisher)))
        #expect(Set(stored.map(\.sourceId)).count == publishers * perPublisher)
        await engine.stop()
    }

    @Test(arguments: Backend.allCases)
    func positionsAndHistorySurviveAReopen(backend: Backend) async throws {
        guard backend != .sqliteMemory else { return }  // nothing survives by design
        let location = try backend.location()
        let gameId = uniqueGameId()
        let (first, _) = try await engine(location, games: [game(gameId)])
        let published = try await first.publish((1...50).map { basket(gameId, $0, home: UInt32($0), away: 0) })
        await first.stop()

        let (second, _) = try await engine(location, games: [game(gameId)])
        // A repeat is still recognised, and the next event continues the sequence.
        let repeated = try await second.publish([basket(gameId, 7, home: 7, away: 0)])
        #expect(repeated[0].duplicate && repeated[0].position == published[6].position)
        let next = try await second.publish([basket(gameId, 51, home: 51, away: 0)])
        #expect(next[0].position == Position(epoch: published[0].position!.epoch, seq: 51))
        #expect(try await second.storedEvents(gameId).count == 51)
        await second.stop()
    }

    @Test func aRefusedEventRefusesItsWholeBatchAndNamesIt() async throws {
        let gameId = uniqueGameId()
        let (engine, _) = try await engine(.sqliteMemory, games: [game(gameId)])
        _ = try await engine.publish([basket(gameId, 1, home: 10, away: 10)])
        let batch = [basket(gameId, 2, home: 12, away: 10), basket(gameId, 3, home: 11, away: 10), basket(gameId, 4, home: 14, away: 10)]
        do {
            _ = try await engine.publish(batch)
            Issue.record("a score going down outside a correction must be refused")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
            #expect(error.message.contains("event 1 (game '\(gameId)', source id 'src-3')"))
            #expect(error.message.contains("home score goes down from 12 to 11 outside a correction"))
        }
        #expect(try await engine.storedEvents(gameId).count == 1, "nothing of the refused batch is stored")
        await engine.stop()
    }

    @Test func everyRuleHasItsStatusAndMessage() async throws {
        let gameId = uniqueGameId()
        let (engine, _) = try await engine(.sqliteMemory, games: [game(gameId)])
        _ = try await engine.publish([basket(gameId, 1, home: 20, away: 18, period: 3)])

        func refusal(_ events: [Event]) async -> RPCError? {
            do {
                _ = try await engine.publish(events)
                return nil
            } catch {
                return error as? RPCError
            }
        }
        // Unknown game.
        let unknown = await refusal([basket("no-such-game", 9, home: 1, away: 0)])
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message.contains("unknown game 'no-such-game'") == true)
        // Missing fields.
        var noSource = basket(gameId, 2, home: 20, away: 18, period: 3)
        noSource.sourceId = ""
        #expect(await refusal([noSource])?.code == .invalidArgument)
        var noState = basket(gameId, 3, home: 20, away: 18, period: 3)
        noState.state = nil
        #expect(await refusal([noState])?.message.contains("state (the game's state after the event) is required") == true)
        var noGame = basket(gameId, 4, home: 20, away: 18)
        noGame.gameId = ""
        #expect(await refusal([noGame])?.message.contains("game_id is required") == true)
        var badPoints = basket(gameId, 5, home: 20, away: 18, period: 3)
        badPoints.points = 4
        #expect(await refusal([badPoints])?.code == .invalidArgument)
        // Score down outside a correction; allowed in a correction.
        let down = await refusal([basket(gameId, 6, home: 20, away: 16, period: 3)])
        #expect(down?.code == .failedPrecondition)
        #expect(down?.message.contains("away score goes down from 18 to 16 outside a correction") == true)
        #expect(await refusal([basket(gameId, 7, home: 20, away: 16, period: 3, kind: .correction)]) == nil)
        // Period backwards, even in a correction.
        let backwards = await refusal([basket(gameId, 8, home: 20, away: 16, period: 2, kind: .correction)])
        #expect(backwards?.code == .failedPrecondition)
        #expect(backwards?.message.contains("period goes backwards from 3 to 2") == true)
        // After final only corrections.
        #expect(await refusal([basket(gameId, 9, home: 22, away: 16, period: 4, kind: .statusChange, status: .final)]) == nil)
        let afterFinal = await refusal([basket(gameId, 10, home: 24, away: 16, period: 4, status: .final)])
        #expect(afterFinal?.code == .failedPrecondition)
        #expect(afterFinal?.message.contains("the game is final: only a correction may follow") == true)
        #expect(await refusal([basket(gameId, 11, home: 22, away: 15, period: 4, kind: .correction, status: .final)]) == nil)
        #expect(try await engine.storedEvents(gameId).count == 4)
        await engine.stop()
    }

    @Test func statusChangesAreReportedToTheSchedule() async throws {
        let gameId = uniqueGameId()
        let (engine, directory) = try await engine(.sqliteMemory, games: [game(gameId)])
        _ = try await engine.publish([basket(gameId, 1, home: 0, away: 0, kind: .statusChange, status: .live)])
        _ = try await engine.publish([basket(gameId, 2, home: 2, away: 0)])
        _ = try await engine.publish([basket(gameId, 3, home: 2, away: 0, period: 2, kind: .statusChange, status: .halftime)])
        _ = try await engine.publish([basket(gameId, 4, home: 2, away: 0, period: 4, kind: .statusChange, status: .final)])
        #expect(directory.reportedStatuses.map(\.status) == [.live, .halftime, .final])

        // Tip-off and final in one batch: both are reported, in order.
        let quick = uniqueGameId()
        directory.add(game(quick))
        _ = try await engine.publish([
            basket(quick, 1, home: 0, away: 0, kind: .statusChange, status: .live),
            basket(quick, 2, home: 2, away: 0, period: 4, kind: .statusChange, status: .final),
        ])
        #expect(directory.reportedStatuses.filter { $0.gameId == quick }.map(\.status) == [.live, .final])
        await engine.stop()
    }
}

extension ScoreEngine {
    /// Every kept event of a game, oldest first (test helper over the public read path).
    func storedEvents(_ gameId: String) async throws -> [Event] {
        guard let head = heads([gameId]).first else { return [] }
        return try await history(gameId: gameId, epoch: head.epoch, afterSeq: 0, upTo: head.lastSeq, limit: 1_000_000)
    }
}
