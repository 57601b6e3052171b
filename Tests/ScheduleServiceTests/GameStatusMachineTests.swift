import CourtsideProto
import CourtsideRPC
import GRPC
import ScheduleService
import Testing

@Suite struct GameStatusMachineTests {
    /// The table from the issue, written out independently of the implementation.
    static let allowed: Set<String> = [
        "scheduled>live", "scheduled>postponed", "scheduled>cancelled",
        "postponed>scheduled", "postponed>live", "postponed>cancelled",
        "live>halftime", "live>final",
        "halftime>live", "halftime>final",
    ]

    static let pairs: [(GameStatus, GameStatus)] = GameStatus.specified.flatMap { from in
        GameStatus.specified.map { to in (from, to) }
    }

    @Test(arguments: pairs)
    func everyChangeIsAllowedOrRefusedAsSpecified(from: GameStatus, to: GameStatus) throws {
        let expected = from == to || Self.allowed.contains("\(from.name)>\(to.name)")
        #expect(GameStatusMachine.canChange(from: from, to: to) == expected)
        if expected {
            let changes = try GameStatusMachine.checkChange(gameID: "nba-1", from: from, to: to)
            #expect(changes == (from != to), "same → same is a no-op")
            #expect(GameStatusMachine.refusal(from: from, to: to) == nil)
        } else {
            #expect(throws: RPCError.self) { try GameStatusMachine.checkChange(gameID: "nba-1", from: from, to: to) }
            do {
                try GameStatusMachine.checkChange(gameID: "nba-1", from: from, to: to)
            } catch {
                #expect(error.code == .failedPrecondition)
                let reason = try #require(GameStatusMachine.refusal(from: from, to: to))
                #expect(error.message == "game nba-1: cannot change status from \(from.name) to \(to.name): \(reason)")
            }
        }
    }

    @Test func refusalMessagesSayWhy() {
        func message(_ from: GameStatus, _ to: GameStatus) -> String? {
            do {
                try GameStatusMachine.checkChange(gameID: "nba-1", from: from, to: to)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(
            message(.final, .scheduled) == "game nba-1: cannot change status from final to scheduled: a final game never changes status")
        #expect(
            message(.cancelled, .live) == "game nba-1: cannot change status from cancelled to live: a cancelled game never changes status")
        #expect(
            message(.scheduled, .final)
                == "game nba-1: cannot change status from scheduled to final: a game that has not started must go live before it can be final"
        )
        #expect(
            message(.postponed, .halftime)
                == "game nba-1: cannot change status from postponed to halftime: a game that has not started must go live before it can be halftime"
        )
        #expect(
            message(.live, .scheduled)
                == "game nba-1: cannot change status from live to scheduled: a game in play can only change to halftime or final"
        )
        #expect(
            message(.halftime, .postponed)
                == "game nba-1: cannot change status from halftime to postponed: a game in play can only change to live or final"
        )
    }

    @Test func terminalStatusesAllowNothing() {
        #expect(GameStatusMachine.allowedChanges(from: .final).isEmpty)
        #expect(GameStatusMachine.allowedChanges(from: .cancelled).isEmpty)
    }

    @Test func statusNamesRoundTrip() {
        for status in GameStatus.allDefined {
            #expect(GameStatus(name: status.name) == status)
            #expect(GameStatus(name: status.protoName ?? "") == status)
        }
        #expect(GameStatus(name: "LIVE") == .live)
        #expect(GameStatus(name: "tip-off") == nil)
        #expect(GameStatus.specified.count == 6)
        #expect(!GameStatus.unspecified.isSpecified)
        #expect(!GameStatus(rawValue: 42).isSpecified)
    }
}
