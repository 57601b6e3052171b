import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import GRPC

/// What one group commit writes, decided before anything is written: which requests are
/// accepted, the positions of their new events, the games' new heads and what retention trims.
/// Free of I/O and locks, so that it can be tested alone; the engine writes `commit` and, once
/// it is durable, applies `createdGames`, `changedHeads` and `newSources` to memory.
///
/// Requests are checked in arrival order, each against its games as the requests before it
/// left them; a publish request that breaks a rule is refused whole (none of its events count)
/// and the others go on.
struct GroupCommit {
    /// The games the requests name, as they are in memory before the commit (absent: unknown).
    private let before: [String: ScoreEngine.GameHead]
    /// Their heads as the accepted requests leave them.
    private var games: [String: StoredGame]
    private let now: Int64

    private(set) var commit = ScoreCommit()
    /// Games created empty by this commit.
    private(set) var createdGames: [StoredGame] = []
    /// Per game: the source ids first published in this commit, with their positions.
    private(set) var newSources: [String: [String: UInt64]] = [:]
    /// The heads of the games whose log this commit changes (set by `closeHeads`).
    private(set) var changedHeads: [StoredGame] = []

    /// - Parameters:
    ///   - games: every game the requests name that is in memory now.
    ///   - now: the commit's time, given to new events and changed heads.
    init(games: [String: ScoreEngine.GameHead], now: Int64) {
        self.before = games
        self.games = games.mapValues(\.stored)
        self.now = now
    }

    /// Adds a game created empty; false when it exists already (nothing to write then).
    mutating func create(_ game: StoredGame) -> Bool {
        guard before[game.gameId] == nil, !createdGames.contains(where: { $0.gameId == game.gameId }) else { return false }
        createdGames.append(game)
        commit.games.append(game)
        return true
    }

    /// Checks one publish request and gives each new event the next position of its game; a
    /// republished source id gets its original position. Throws, and changes nothing, when an
    /// event breaks a rule.
    mutating func publish(_ events: [Event]) throws(RPCError) -> [PublishResult] {
        var games = self.games
        var newSources = self.newSources
        var results: [PublishResult] = []
        var stored: [Event] = []
        results.reserveCapacity(events.count)
        for (index, original) in events.enumerated() {
            guard var game = games[original.gameId] else {
                throw ScoreEngine.unknownGame(original.gameId, prefix: "event \(index): ")
            }
            if let seq = before[original.gameId]?.sourceIds?[original.sourceId] ?? newSources[original.gameId]?[original.sourceId] {
                results.append(
                    PublishResult(
                        gameId: original.gameId, sourceId: original.sourceId, position: Position(epoch: game.epoch, seq: seq),
                        duplicate: true))
                continue
            }
            try ScoreRules.checkTransition(from: game.lastSeq == 0 ? nil : game.state, to: original, index: index)
            guard game.lastSeq < RequestLimits.maximumPositionValue else {
                throw RPCError(.outOfRange, "event \(index): game '\(FieldCheck.shown(original.gameId))' has no positions left")
            }
            var event = original
            game.lastSeq += 1
            event.position = Position(epoch: game.epoch, seq: game.lastSeq)
            event.recordedAtMs = now
            game.state = original.state ?? game.state
            games[original.gameId] = game
            newSources[original.gameId, default: [:]][original.sourceId] = game.lastSeq
            stored.append(event)
            results.append(PublishResult(gameId: event.gameId, sourceId: event.sourceId, position: event.position, duplicate: false))
        }
        self.games = games
        self.newSources = newSources
        commit.events.append(contentsOf: stored)
        return results
    }

    /// Sets the head of every game whose log changed, once all requests are in: its time, and
    /// the history it keeps (the newest `historyLimit` events; 0 keeps all).
    mutating func closeHeads(historyLimit: Int) {
        for (gameId, game) in games where game.lastSeq != before[gameId]?.stored.lastSeq {
            var head = game
            head.updatedAtMs = now
            if let firstKept = Self.firstKeptSeq(of: head, historyLimit: historyLimit) {
                head.firstKeptSeq = firstKept
                commit.trims[gameId] = firstKept
            }
            games[gameId] = head
            changedHeads.append(head)
            commit.games.append(head)
        }
    }

    /// The new oldest kept position when `historyLimit` trims the game's history, else nil.
    static func firstKeptSeq(of head: StoredGame, historyLimit: Int) -> UInt64? {
        guard historyLimit > 0, head.lastSeq >= UInt64(historyLimit) else { return nil }
        let firstKept = head.lastSeq - UInt64(historyLimit) + 1
        return firstKept > head.firstKeptSeq ? firstKept : nil
    }

    /// Every status the new events pass through, in order, per game (a tip-off and a final in
    /// the same commit are two changes: the schedule's state machine needs both).
    var statusChanges: [(gameId: String, status: GameStatus)] {
        var last = before.mapValues { $0.stored.state.status }
        var changes: [(gameId: String, status: GameStatus)] = []
        for event in commit.events {
            guard let status = event.state?.status, last[event.gameId] != status else { continue }
            last[event.gameId] = status
            changes.append((event.gameId, status))
        }
        return changes
    }
}
