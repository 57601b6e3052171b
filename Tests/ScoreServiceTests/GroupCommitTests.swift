import CourtsideProto
import CourtsideRPC
import GRPC
import Testing

@testable import ScoreService

/// The decisions of a group commit, without storage or an engine.
@Suite struct GroupCommitTests {
    private func stored(_ gameId: String, lastSeq: UInt64 = 0, firstKeptSeq: UInt64 = 1, status: GameStatus = .scheduled, home: UInt32 = 0)
        -> StoredGame
    {
        StoredGame(
            gameId: gameId, epoch: 7, lastSeq: lastSeq, firstKeptSeq: firstKeptSeq, state: GameState(homeScore: home, status: status),
            homeTeamId: "BOS", awayTeamId: "LAL", updatedAtMs: 1
        )
    }

    private func plan(_ games: [StoredGame], sources: [String: [String: UInt64]] = [:]) -> GroupCommit {
        let heads = Dictionary(
            uniqueKeysWithValues: games.map { ($0.gameId, ScoreEngine.GameHead(stored: $0, sourceIds: sources[$0.gameId] ?? [:])) })
        return GroupCommit(games: heads, now: 5_000)
    }

    private func scoring(_ gameId: String, _ source: String, home: UInt32, status: GameStatus = .live, kind: EventKind = .basket) -> Event {
        Event(gameId: gameId, sourceId: source, kind: kind, state: GameState(homeScore: home, status: status))
    }

    @Test func requestsGetTheNextPositionsOfTheirGamesInArrivalOrder() throws {
        var commit = plan([stored("a", lastSeq: 3, status: .live, home: 3), stored("b")])
        let first = try commit.publish([scoring("a", "a4", home: 4), scoring("b", "b1", home: 2)])
        let second = try commit.publish([scoring("a", "a5", home: 6)])
        #expect(first.map { $0.position?.seq } == [4, 1])
        #expect(second.map { $0.position?.seq } == [5])
        #expect(commit.commit.events.map { "\($0.gameId)#\($0.position?.seq ?? 0)" } == ["a#4", "b#1", "a#5"])
        #expect(commit.commit.events.allSatisfy { $0.recordedAtMs == 5_000 })
        #expect(commit.newSources["a"] == ["a4": 4, "a5": 5])
    }

    @Test func aRefusedRequestChangesNothingAndTheOthersGoOn() throws {
        var commit = plan([stored("a", lastSeq: 3, status: .live, home: 3)])
        #expect(throws: RPCError.self) {
            // The second event lowers the score outside a correction: the whole request is refused.
            _ = try commit.publish([scoring("a", "ok", home: 5), scoring("a", "down", home: 1)])
        }
        #expect(throws: RPCError.self) { _ = try commit.publish([scoring("unknown", "x", home: 1)]) }
        let accepted = try commit.publish([scoring("a", "next", home: 4)])
        #expect(accepted.first?.position?.seq == 4)
        #expect(commit.commit.events.count == 1)
        #expect(commit.newSources["a"] == ["next": 4])
    }

    @Test func aRepublishedSourceIdGetsItsOriginalPosition() throws {
        var commit = plan([stored("a", lastSeq: 3, status: .live, home: 3)], sources: ["a": ["old": 2]])
        let results = try commit.publish([scoring("a", "old", home: 9), scoring("a", "new", home: 4), scoring("a", "new", home: 4)])
        #expect(results.map(\.duplicate) == [true, false, true])
        #expect(results.map { $0.position?.seq } == [2, 4, 4])
        #expect(commit.commit.events.count == 1)
    }

    @Test func aGameIsCreatedOnce() {
        var commit = plan([stored("known")])
        let known = commit.create(stored("known"))
        let new = commit.create(stored("new"))
        let again = commit.create(stored("new"))
        #expect(!known)
        #expect(new)
        #expect(!again)
        #expect(commit.createdGames.map(\.gameId) == ["new"])
        #expect(commit.commit.games.map(\.gameId) == ["new"])
    }

    @Test func changedHeadsCarryTheCommitTimeAndRetentionTrims() throws {
        var commit = plan([stored("a", lastSeq: 8, firstKeptSeq: 1, status: .live, home: 8), stored("quiet")])
        _ = try commit.publish((9...12).map { scoring("a", "s\($0)", home: UInt32($0)) })
        commit.closeHeads(historyLimit: 5)
        #expect(commit.changedHeads.map(\.gameId) == ["a"])
        #expect(commit.changedHeads.first?.lastSeq == 12)
        #expect(commit.changedHeads.first?.updatedAtMs == 5_000)
        #expect(commit.changedHeads.first?.firstKeptSeq == 8)
        #expect(commit.commit.trims == ["a": 8])
        #expect(commit.commit.games.map(\.gameId) == ["a"])
    }

    @Test func retentionKeepsTheNewestEventsOnly() {
        #expect(GroupCommit.firstKeptSeq(of: stored("a", lastSeq: 12), historyLimit: 0) == nil, "0 keeps the whole game")
        #expect(GroupCommit.firstKeptSeq(of: stored("a", lastSeq: 4), historyLimit: 5) == nil)
        #expect(GroupCommit.firstKeptSeq(of: stored("a", lastSeq: 5), historyLimit: 5) == nil, "1 is kept already")
        #expect(GroupCommit.firstKeptSeq(of: stored("a", lastSeq: 12), historyLimit: 5) == 8)
        #expect(GroupCommit.firstKeptSeq(of: stored("a", lastSeq: 12, firstKeptSeq: 8), historyLimit: 5) == nil)
    }

    @Test func everyStatusTheEventsPassThroughIsAChange() throws {
        var commit = plan([stored("a", status: .scheduled), stored("b", lastSeq: 1, status: .live, home: 1)])
        _ = try commit.publish([
            scoring("a", "tip", home: 0, status: .live, kind: .statusChange), scoring("b", "b2", home: 2),
            scoring("a", "end", home: 0, status: .final, kind: .statusChange),
        ])
        #expect(commit.statusChanges.map { "\($0.gameId):\($0.status)" } == ["a:\(GameStatus.live)", "a:\(GameStatus.final)"])
    }
}
