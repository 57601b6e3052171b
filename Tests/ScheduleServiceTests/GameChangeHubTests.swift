import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Synchronization
import Testing

@Suite struct GameChangeHubTests {
    @Test func watchersGetTheChangesOfTheirGamesInOrder() async throws {
        let hub = GameChangeHub(capacity: 100)
        let all = try hub.subscribe(gameIDs: [])
        let one = try hub.subscribe(gameIDs: ["b"])
        #expect(hub.watcherCount == 2)
        hub.publish(logged(makeGame("a"), makeGame("b")))
        hub.publish(logged(makeGame("c"), makeGame("b", venue: "elsewhere")))
        hub.close(with: RPCError(.unavailable, "bye"))
        var seenByAll: [String] = []
        do {
            for try await change in all { seenByAll.append(change.game.id) }
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
        #expect(seenByAll == ["a", "b", "c", "b"])
        var seenByOne: [String] = []
        do {
            for try await change in one { seenByOne.append(change.game.venue) }
        } catch {}
        #expect(seenByOne == ["TD Garden", "elsewhere"])
        #expect(hub.watcherCount == 0)
        #expect(throws: RPCError.self) { _ = try hub.subscribe(gameIDs: []) }
    }

    @Test func aWatcherThatFallsBehindIsEndedWithoutHoldingUpTheOthers() async throws {
        let slowEnded = Atomic(0)
        let hub = GameChangeHub(capacity: 8) { slowEnded.add(1, ordering: .relaxed) }
        let slow = try hub.subscribe(gameIDs: [])
        let fast = try hub.subscribe(gameIDs: [])
        var fastIterator = fast.makeAsyncIterator()
        var fastSeen: [String] = []
        for index in 0..<50 {
            hub.publish(logged(makeGame("g\(index)")))
            if let change = try await fastIterator.next() { fastSeen.append(change.game.id) }
        }
        #expect(fastSeen == (0..<50).map { "g\($0)" })
        #expect(slowEnded.load(ordering: .relaxed) == 1)
        #expect(hub.watcherCount == 1)
        var slowSeen: [String] = []
        do {
            for try await change in slow { slowSeen.append(change.game.id) }
            Issue.record("the slow watcher's stream ended without an error")
        } catch let error as RPCError {
            #expect(error.code == .resourceExhausted)
            #expect(error.message.hasPrefix("watcher fell behind: 8 or more changes were still waiting"))
        }
        #expect(slowSeen == (0..<8).map { "g\($0)" }, "what was queued is delivered, in order, then the error")
    }

    @Test func aCancelledWatchIsRemoved() async throws {
        let hub = GameChangeHub(capacity: 4)
        let stream = try hub.subscribe(gameIDs: [])
        let task = Task { for try await _ in stream {} }
        #expect(hub.watcherCount == 1)
        task.cancel()
        _ = try? await task.value
        #expect(await eventually { hub.watcherCount == 0 })
    }
}

/// Games as logged changes (the hub does not look at sequence numbers).
func logged(_ games: Game...) -> [LoggedChange] {
    games.map { LoggedChange(sequence: 0, game: $0) }
}
