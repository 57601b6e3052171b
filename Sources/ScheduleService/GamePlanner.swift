public import CourtsideProto
import CourtsideRPC
import GRPC

/// One game written by a change: how it was (nil when it is new) and how it is now.
public struct GameWrite: Sendable, Hashable {
    /// The stored game before the change; nil when the change created it.
    public var before: Game?
    /// The game as stored now (with its new revision).
    public var after: Game

    /// A write from `before` to `after`.
    public init(before: Game?, after: Game) {
        self.before = before
        self.after = after
    }
}

/// Decides what a change writes, given the stored games: the status state machine and the
/// revision rule. Pure functions, run inside the store's write transaction.
///
/// Revisions: a new game gets revision 1; every change of any field adds 1; a request that
/// changes nothing writes nothing and keeps the revision.
enum GamePlanner {
    /// The result of planning an upsert.
    struct UpsertPlan: Sendable {
        /// The games as stored after the upsert, in request order (the response).
        var games: [Game] = []
        /// What is written (created or changed games only).
        var writes: [GameWrite] = []
        var created = 0
        var updated = 0
        var unchanged = 0
    }

    /// Plans an upsert of validated games: new games are created, existing ones replaced when
    /// something differs, provided each status change is allowed.
    /// - Throws: `RPCError(.failedPrecondition)` for the first refused status change.
    static func upsert(_ incoming: [Game], existing: [String: Game]) throws(RPCError) -> UpsertPlan {
        var plan = UpsertPlan()
        for game in incoming {
            guard let stored = existing[game.id] else {
                var created = game
                created.revision = 1
                plan.games.append(created)
                plan.writes.append(GameWrite(before: nil, after: created))
                plan.created += 1
                continue
            }
            try GameStatusMachine.checkChange(gameID: game.id, from: stored.status, to: game.status)
            var candidate = game
            candidate.revision = stored.revision
            if candidate == stored {
                plan.games.append(stored)
                plan.unchanged += 1
                continue
            }
            candidate.revision = stored.revision + 1
            plan.games.append(candidate)
            plan.writes.append(GameWrite(before: stored, after: candidate))
            plan.updated += 1
        }
        return plan
    }

    /// Plans a status change of one game.
    /// - Returns: the game as it will be, and the write (nil when the status is already `status`).
    /// - Throws: `RPCError(.notFound)` for an unknown game, `.failedPrecondition` for a refused change.
    static func changeStatus(gameID: String, to status: GameStatus, existing: Game?) throws(RPCError) -> (game: Game, write: GameWrite?) {
        guard let stored = existing else {
            throw RPCError(.notFound, "game \(gameID) does not exist")
        }
        guard try GameStatusMachine.checkChange(gameID: gameID, from: stored.status, to: status) else {
            return (stored, nil)
        }
        var changed = stored
        changed.status = status
        changed.revision = stored.revision + 1
        return (changed, GameWrite(before: stored, after: changed))
    }

    /// Plans seeding: games that do not exist yet are created (revision 1); existing games are
    /// left exactly as they are, whatever the seed says.
    static func seed(_ games: [Game], existing: [String: Game]) -> [GameWrite] {
        games.compactMap { game in
            guard existing[game.id] == nil else { return nil }
            var created = game
            created.revision = 1
            return GameWrite(before: nil, after: created)
        }
    }
}
