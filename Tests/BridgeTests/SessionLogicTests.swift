import Bridge
import CourtsideProto
import Testing

@Suite struct SSECursorTests {
    @Test func roundTrips() throws {
        let positions = ["0022000001": GamePosition(epoch: 1, seq: 42), "0022000002": GamePosition(epoch: 1, seq: 7)]
        let text = SSECursor.format(positions)
        #expect(text == "0022000001:1:42,0022000002:1:7")
        #expect(try SSECursor.parse(text) == positions)
    }

    @Test func emptyCursor() throws {
        #expect(try SSECursor.parse("").isEmpty)
        #expect(SSECursor.format([:]) == "")
    }

    @Test(arguments: ["g", "g:1", "g:1:2:3", "g:x:1", "g:1:-1", ",", "g:1:2,", "bad id:1:2", "g:1:9007199254740992", "g:+1:2"])
    func rejects(_ text: String) {
        #expect(throws: SSECursor.Invalid.self) { try SSECursor.parse(text) }
    }
}

@Suite struct RateLimiterTests {
    @Test func burstThenRefusalsThenClose() {
        let policy = RateLimiter.Policy(perSecond: 10, burst: 20, maximumRefusals: 40, refusalWindowSeconds: 10)
        var limiter = RateLimiter(policy: policy, nowNanos: 0)
        for _ in 0..<20 { #expect({ limiter.take(nowNanos: 0, policy: policy) == .allowed }()) }
        guard case .refused(let retry) = limiter.take(nowNanos: 0, policy: policy) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(retry == 100)
        for _ in 0..<39 { #expect({ limiter.take(nowNanos: 0, policy: policy) != .exceeded }()) }
        #expect({ limiter.take(nowNanos: 0, policy: policy) == .exceeded }())
    }

    @Test func refillsAtTheSustainedRate() {
        let policy = RateLimiter.Policy(perSecond: 10, burst: 20)
        var limiter = RateLimiter(policy: policy, nowNanos: 0)
        for _ in 0..<20 { _ = limiter.take(nowNanos: 0, policy: policy) }
        #expect({ limiter.take(nowNanos: 50_000_000, policy: policy) != .allowed }())
        #expect({ limiter.take(nowNanos: 100_000_000, policy: policy) == .allowed }())
        // A long pause refills to the burst, not beyond.
        for _ in 0..<20 { #expect({ limiter.take(nowNanos: 60_000_000_000, policy: policy) == .allowed }()) }
        #expect({ limiter.take(nowNanos: 60_000_000_000, policy: policy) != .allowed }())
    }

    @Test func oldRefusalsLeaveTheWindow() {
        let policy = RateLimiter.Policy(perSecond: 1, burst: 1, maximumRefusals: 3, refusalWindowSeconds: 10)
        var limiter = RateLimiter(policy: policy, nowNanos: 0)
        _ = limiter.take(nowNanos: 0, policy: policy)
        for _ in 0..<3 { #expect({ limiter.take(nowNanos: 1, policy: policy) != .exceeded }()) }
        // 11 s later the refusals are forgotten (and a token is back).
        #expect({ limiter.take(nowNanos: 11_000_000_000, policy: policy) == .allowed }())
        for _ in 0..<3 { #expect({ limiter.take(nowNanos: 11_000_000_001, policy: policy) != .exceeded }()) }
    }
}

@Suite struct FollowedSetTests {
    @Test func unionOfGamesTeamsAndAllLive() {
        var set = FollowedSet()
        let added = set.subscribe(games: ["g1", "g1"], teams: ["BOS"], allLive: false)
        #expect(added.games == ["g1"])
        #expect(added.teams == ["BOS"])
        #expect(set.follows(gameId: "g1", home: "X", away: "Y", status: .scheduled, previousStatus: nil))
        #expect(set.follows(gameId: "g2", home: "LAL", away: "BOS", status: .final, previousStatus: nil))
        #expect(!set.follows(gameId: "g3", home: "LAL", away: "NYK", status: .live, previousStatus: nil))
        let more = set.subscribe(games: ["g1"], teams: [], allLive: true)
        #expect(more.games.isEmpty && more.teams.isEmpty && more.allLive)
        #expect(set.follows(gameId: "g3", home: "LAL", away: "NYK", status: .halftime, previousStatus: .live))
        // The event that ends a live game is delivered; later ones (corrections) are not.
        #expect(set.follows(gameId: "g3", home: "LAL", away: "NYK", status: .final, previousStatus: .live))
        #expect(!set.follows(gameId: "g3", home: "LAL", away: "NYK", status: .final, previousStatus: .final))
    }

    @Test func unsubscribeKeepsWhatStillMatches() {
        var set = FollowedSet(games: ["g1"], teams: ["BOS"], allLive: true)
        set.unsubscribe(games: ["g1", "unknown"], teams: [], allLive: false)
        #expect(set.follows(gameId: "g1", home: "BOS", away: "LAL", status: .scheduled, previousStatus: nil))
        set.unsubscribe(games: [], teams: ["BOS"], allLive: true)
        #expect(!set.follows(gameId: "g1", home: "BOS", away: "LAL", status: .live, previousStatus: nil))
        #expect(set.isEmpty)
    }

    @Test func limitsCountTheSetAfterTheChange() {
        let set = FollowedSet(games: ["a", "b"], teams: ["BOS"])
        #expect(set.allows(adding: ["b", "c"], teams: [], maxGames: 3, maxTeams: 1))
        #expect(!set.allows(adding: ["c", "d"], teams: [], maxGames: 3, maxTeams: 1))
        #expect(!set.allows(adding: [], teams: ["LAL"], maxGames: 3, maxTeams: 1))
    }
}

@Suite struct CollapseSetTests {
    @Test func keepsTheNewestItemPerGame() {
        var collapse = CollapseSet<Int>(maximumGames: 2)
        #expect({ collapse.record(gameId: "g1", item: 1) }())
        #expect({ collapse.record(gameId: "g1", item: 2) }())
        #expect({ collapse.record(gameId: "g2", item: 3) }())
        #expect(collapse.replaced == 1)
        let drained = collapse.drain()
        #expect(drained.map(\.gameId) == ["g1", "g2"])
        #expect(drained.map(\.item) == [2, 3])
        #expect(collapse.isEmpty)
    }

    @Test func tooManyGamesAsksToClose() {
        var collapse = CollapseSet<Int>(maximumGames: 2)
        #expect({ collapse.record(gameId: "a", item: 1) }())
        #expect({ collapse.record(gameId: "b", item: 1) }())
        #expect({ !collapse.record(gameId: "c", item: 1) }())
        collapse.remove(gameId: "c")
        #expect(collapse.count == 2)
    }
}

@Suite struct PositionTableTests {
    @Test func smallAndLargeBehaveAlike() {
        var table = PositionTable()
        for index in 0..<40 { table["g\(index)"] = GamePosition(epoch: 1, seq: UInt64(index)) }
        #expect(table.count == 40)
        #expect(table["g7"] == GamePosition(epoch: 1, seq: 7))
        #expect(table["g39"] == GamePosition(epoch: 1, seq: 39))
        table["g7"] = nil
        #expect(table["g7"] == nil)
        #expect(table.count == 39)
        var small = PositionTable()
        small["a"] = GamePosition(epoch: 1, seq: 1)
        small["a"] = GamePosition(epoch: 1, seq: 2)
        small.addMissing(["a": GamePosition(epoch: 9, seq: 9), "b": GamePosition(epoch: 1, seq: 5)])
        #expect(small.dictionary == ["a": GamePosition(epoch: 1, seq: 2), "b": GamePosition(epoch: 1, seq: 5)])
        small["a"] = nil
        #expect(small.gameIds == ["b"])
    }
}
