import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import FeedSources
import Foundation
import GRPC
import Logging
import Prometheus

/// The built-in simulator as a source: a slate of seeded games, several in play at once with
/// staggered tip-offs, each published as its events fall due on the playback clock. When a game
/// ends the next game of the slate is scheduled (unless `continuous` is off), so the feed never
/// runs dry.
///
/// A restart continues where the last run left off: the slate's games are found in the
/// schedule, each game's newest stored event is looked up in the score service, and the game
/// continues from the event after it (at the same pace, without a burst); final games stay
/// final; games that had not started tip off at their scheduled time.
struct SimulatorSource: FeedSource {
    let settings: SimulatorSettings
    let context: FeedContext
    let batchSize: Int

    func run(into sink: FeedSink) async throws {
        let startEpochMs = UnixTime.nowMs()
        let slate = SimulatorSlate(settings: settings, nowMs: startEpochMs)
        var session = Session(
            slate: slate,
            player: TimelinePlayer(sink: sink, clock: PlaybackClock(originEpochMs: startEpochMs), maximumBatch: batchSize)
        )
        let existing = try await existingGames(of: slate)
        if existing.isEmpty {
            for index in 0..<slate.gamesAtOnce {
                session.plan(index: index, tipOffEpochMs: startEpochMs + slate.freshTipOffOffsetMs(index))
                // Simulating a game is pure CPU: a large slate must not hold a thread of the
                // shared pool (health, metrics, the publisher) for its whole length.
                await Task.yield()
            }
            context.logger.notice(
                "simulating a new slate",
                metadata: [
                    "date": "\(slate.date)", "seed": "\(slate.config.seed)", "games": "\(slate.gamesAtOnce)",
                    "speed": "\(slate.config.speed)", "stagger_ms": "\(slate.staggerMs)",
                ]
            )
        } else {
            try await resume(existing, into: &session)
            while session.unfinished < slate.gamesAtOnce {
                session.planNext()
                await Task.yield()
            }
        }
        while true {
            context.metrics.gamesInPlay.set(to: Double(session.player.gamesInPlay))
            guard let finished = try await session.player.step() else { break }
            session.unfinished -= finished.count
            for game in finished {
                context.logger.info(
                    "game over", metadata: ["game": "\(game.game.id)", "final": "\(Self.describe(game.timeline.last?.event.state))"])
                if settings.continuous { session.planNext() }
            }
        }
        context.metrics.gamesInPlay.set(to: 0)
    }

    /// The slate's games the schedule already has (from an earlier run), by slate index.
    private func existingGames(of slate: SimulatorSlate) async throws -> [Int: Game] {
        var found: [Int: Game] = [:]
        var token = ""
        repeat {
            let request = ListGamesRequest(dateFrom: slate.date, dateTo: slate.date, pageSize: 1000, pageToken: token)
            let page = try await context.scheduleRetrier.run("list the slate's games") {
                try await context.schedule.listGames(request, options: CallOptions(timeout: context.callTimeout))
            }
            for game in page.games {
                if let index = slate.index(of: game.id) { found[index] = game }
            }
            token = page.nextPageToken
        } while !token.isEmpty
        return found
    }

    /// Plans the games of an earlier run that are not over.
    private func resume(_ existing: [Int: Game], into session: inout Session) async throws {
        let snapshots = try await context.progress.snapshots(of: existing.values.map(\.id))
        session.nextIndex = (existing.keys.max() ?? -1) + 1
        var resumed = 0
        var waiting = 0
        for (index, game) in existing.sorted(by: { $0.key < $1.key }) {
            session.lastTipOffEpochMs = max(session.lastTipOffEpochMs, game.startTimeMs)
            let snapshot = snapshots[game.id]
            let status = snapshot?.state?.status ?? game.status
            if status == .final || status == .cancelled { continue }
            let simulated = session.slate.game(index)
            let nowMs = session.player.clock.nowMs
            if (snapshot?.position?.seq ?? 0) > 0 {
                guard let last = try await context.progress.lastSourceId(of: game.id),
                    let position = simulated.timeline.firstIndex(where: { $0.event.sourceId == last })
                else {
                    context.logger.warning(
                        "a game of this slate has events this simulator did not make; leaving it alone",
                        metadata: ["game": "\(game.id)"]
                    )
                    continue
                }
                let anchor = nowMs - simulated.timeline[position].wallOffsetMs
                session.add(PlannedGame(game: game, timeline: simulated.timeline, next: position + 1, anchorMs: anchor, restamp: true))
                context.logger.info(
                    "continuing a game where the last run left it",
                    metadata: [
                        "game": "\(game.id)", "event": "\(position + 1) of \(simulated.timeline.count)",
                        "state": "\(Self.describe(snapshot?.state))",
                    ]
                )
                resumed += 1
            } else {
                let anchor = max(nowMs, game.startTimeMs - session.player.clock.originEpochMs)
                session.add(PlannedGame(game: game, timeline: simulated.timeline, next: 0, anchorMs: anchor, restamp: true))
                waiting += 1
            }
        }
        context.logger.notice(
            "continuing the slate",
            metadata: [
                "date": "\(session.slate.date)", "seed": "\(session.slate.config.seed)", "resumed": "\(resumed)",
                "not_started": "\(waiting)",
            ]
        )
    }

    static func describe(_ state: GameState?) -> String {
        guard let state else { return "none" }
        return "\(state.homeScore)-\(state.awayScore) period \(state.period) \(state.status)"
    }

    /// The slate being played: the player and what comes next.
    private struct Session {
        let slate: SimulatorSlate
        var player: TimelinePlayer
        var nextIndex = 0
        var unfinished = 0
        var lastTipOffEpochMs = Int64.min

        init(slate: SimulatorSlate, player: TimelinePlayer) {
            self.slate = slate
            self.player = player
        }

        var nowEpochMs: Int64 { player.clock.originEpochMs + player.clock.nowMs }

        /// Plans a new game (written to the schedule first) tipping off at an epoch time.
        mutating func plan(index: Int, tipOffEpochMs: Int64) {
            let simulated = slate.game(index)
            var game = simulated.game
            game.startTimeMs = tipOffEpochMs
            let anchor = tipOffEpochMs - player.clock.originEpochMs
            player.add(PlannedGame(game: game, timeline: simulated.timeline, next: 0, anchorMs: anchor, restamp: true), upsert: true)
            unfinished += 1
            nextIndex = max(nextIndex, index + 1)
            lastTipOffEpochMs = max(lastTipOffEpochMs, tipOffEpochMs)
        }

        /// Plans the next game of the slate, one stagger after the last tip-off (or now).
        mutating func planNext() {
            let after = lastTipOffEpochMs == Int64.min ? nowEpochMs : lastTipOffEpochMs + slate.staggerMs
            plan(index: nextIndex, tipOffEpochMs: max(nowEpochMs, after))
        }

        /// Plans a game the schedule already has.
        mutating func add(_ game: PlannedGame) {
            player.add(game, upsert: false)
            if !game.isFinished { unfinished += 1 }
        }
    }
}
