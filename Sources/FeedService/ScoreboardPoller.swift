import CourtsideDomain
import CourtsideProto
import FeedSources
import Logging

/// Polls a provider's scoreboard and publishes what changed between two polls.
///
/// Each poll: a conditional GET (304 = no change); the body parsed by the provider's adapter,
/// with games of unknown teams skipped (logged once per game, counted every poll) rather than
/// rejecting the other games; `ScoreboardDiffer` turns the previous and the new snapshot into
/// events and changed games; the update is checked against the score service's rules and, if
/// sound, pushed as one batch (games first). A rejected payload or update is logged and counted
/// and changes nothing: the next poll is diffed against the last good snapshot. The first poll
/// is diffed against what the score service already has, so a restart does not repeat events.
/// When the buffer is full, polling waits. With `playByPlay`, the games it shows live are
/// followed by their play-by-play, whose plays replace the scoreboard's events of those games.
struct ScoreboardPoller: FeedSource {
    let kind: FeedSourceKind
    let fetcher: any ScoreboardFetching
    let interval: Duration
    let context: FeedContext
    var playByPlay: PlayByPlayPoller?
    /// The league the scoreboard URL names (ESPN's `…/basketball/wnba/scoreboard`), for a
    /// payload that does not say.
    var league: League? = nil

    func run(into sink: FeedSink) async throws {
        guard let playByPlay else { return try await pollScoreboard(into: sink) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await playByPlay.run(into: sink) }
            group.addTask { try await pollScoreboard(into: sink) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func pollScoreboard(into sink: FeedSink) async throws {
        var baseline: ScoreboardSnapshot?
        var validators = CacheValidators()
        var reportedSkips: Set<String> = []
        while true {
            try Task.checkCancellation()
            let outcome: FetchOutcome
            do {
                outcome = try await fetcher.fetch(validators: validators)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                context.metrics.poll(result: "error")
                context.logger.warning("scoreboard poll failed; trying again at the next interval", metadata: ["error": "\(error)"])
                try await Task.sleep(for: interval)
                continue
            }
            switch outcome {
            case .notModified:
                context.metrics.poll(result: "not_modified")
            case .body(let bytes, let fresh):
                if let next = try await apply(bytes, baseline: baseline, reportedSkips: &reportedSkips, sink: sink) {
                    baseline = next
                    validators = fresh
                } else {
                    // Fetch the whole body again next time rather than trusting its validators.
                    validators = CacheValidators()
                }
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Parses, diffs and pushes one scoreboard body.
    /// - Returns: the new baseline, or nil when the payload or its update was rejected.
    private func apply(
        _ bytes: [UInt8],
        baseline: ScoreboardSnapshot?,
        reportedSkips: inout Set<String>,
        sink: FeedSink
    ) async throws -> ScoreboardSnapshot? {
        let parsed: FeedResult<ScoreboardSnapshot>
        switch kind {
        case .nbaScoreboard: parsed = NBAScoreboardAdapter.parse(bytes, unknownTeams: .skipGame)
        case .theSportsDBLivescore: parsed = TheSportsDBLivescoreAdapter.parse(bytes, previous: baseline, unknownTeams: .skipGame)
        default: parsed = ESPNScoreboardAdapter.parse(bytes, league: league, unknownTeams: .skipGame)
        }
        let snapshot: ScoreboardSnapshot
        switch parsed {
        case .failure(let rejection):
            context.metrics.poll(result: "rejected")
            PayloadRejection.record(rejection.reasons, what: "scoreboard (\(bytes.count) bytes)", context: context)
            return nil
        case .success(let value):
            snapshot = value
        }
        if snapshot.otherLeagueGames > 0 {
            context.metrics.skippedGame(reason: "league_not_read", count: snapshot.otherLeagueGames)
        }
        for skipped in snapshot.skipped {
            context.metrics.skippedGame(reason: "unknown_team")
            if reportedSkips.insert(skipped.reason).inserted {
                context.logger.warning("scoreboard game skipped", metadata: ["reason": "\(skipped.reason)"])
            }
        }

        let firstPoll = baseline == nil
        var previous = baseline
        if previous == nil {
            let known = try await context.gamesInSchedule(snapshot.games.map(\.game.id))
            let stored = try await context.progress.snapshots(of: snapshot.games.map(\.game.id).filter(known.contains))
            previous = ScoreboardBaseline.seed(snapshot, from: stored)
        }
        let diff = ScoreboardDiffer.diff(from: previous, to: snapshot)
        for stale in diff.rejected {
            context.metrics.rejectedPayload(reason: "stale")
            context.logger.warning("scoreboard game update rejected; keeping its last good state", metadata: ["reason": "\(stale.reason)"])
        }
        var before: [String: GameState] = [:]
        for entry in previous?.games ?? [] { before[entry.game.id] = entry.state }
        let violations = ScoreRules.violations(in: diff.events, after: before)
        guard violations.isEmpty else {
            context.metrics.poll(result: "rejected")
            PayloadRejection.record(violations, what: "scoreboard update", reason: "inconsistent", context: context)
            return nil
        }
        for glitch in diff.glitches {
            GlitchReport.record(glitch, metrics: context.metrics, logger: context.logger)
        }
        let games = firstPoll ? snapshot.games.map(\.game) : diff.changedGames
        let followed = playByPlay?.followed(in: snapshot) ?? []
        let events = followed.isEmpty ? diff.events : diff.events.filter { !followed.contains($0.gameId) }
        let batch = FeedBatch(games: games, events: events, teams: snapshot.teams(of: games.map(\.id)))
        context.metrics.poll(result: batch.isEmpty ? "unchanged" : "changed")
        if !batch.isEmpty {
            try await sink.push(batch)
            context.logger.debug("scoreboard changed", metadata: ["games": "\(games.count)", "events": "\(events.count)"])
        }
        playByPlay?.follow(snapshot)
        return diff.baseline
    }
}
