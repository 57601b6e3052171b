import CourtsideDomain
import CourtsideProto
import FeedSources
import Logging
import Prometheus
import Synchronization

/// Polls the play-by-play of the games a scoreboard shows live and publishes each new play as
/// it appears.
///
/// The scoreboard poller discovers games and their status: a game it shows live or at halftime
/// is followed from then on (`follow`), and while it is, the scoreboard's own events of that game
/// are left out (the plays carry them). Each due game is fetched conditionally (304: nothing
/// new), at most `concurrency` requests at once; its payload is read into the whole game as the
/// provider's adapter reads it (with the glitch rules of the play-by-play builder), built on what
/// the previous payload built (``IncrementalPlayByPlay``), and what the score service does not
/// have yet is pushed (``PublishedPlays``). A failed request or a refused
/// payload delays that game only, longer each time in a row. Once the scoreboard shows the game
/// final, it is polled unconditionally until its published state is final (or a few polls
/// later), then let go; a game the scoreboard stops showing (ESPN's rolls over to the next day)
/// is let go after ``scoreboardsWithoutGameBeforeLetGo`` scoreboards in a row without it.
final class PlayByPlayPoller: Sendable {
    let kind: FeedSourceKind
    let fetcher: any PlayByPlayFetching
    let interval: Duration
    /// Most requests in flight at once (`--pbp-concurrency`, 1…64 by its setting).
    let concurrency: Int
    let metrics: FeedMetrics
    let logger: Logger
    /// The events the score service has of a game, oldest first (to continue after a restart).
    let storedEvents: @Sendable (String) async throws -> [Event]
    /// The scoreboard's latest entry of each followed game.
    private let wanted = Mutex<[String: ScoreboardGame]>([:])
    /// Games followed to their end that the scoreboard still shows: their final came from their
    /// plays, so the scoreboard's own events of them stay left out.
    private let finished = Mutex<Set<String>>([])
    /// How many scoreboards in a row did not show each followed game (taken with `wanted`'s lock).
    private let unseen = Mutex<[String: Int]>([:])

    /// Scoreboard payloads in a row without a followed game after which it is let go. A game
    /// that drops off the scoreboard is never shown final there, and would be polled forever.
    static let scoreboardsWithoutGameBeforeLetGo = 3

    init(
        kind: FeedSourceKind,
        fetcher: any PlayByPlayFetching,
        interval: Duration,
        concurrency: Int,
        metrics: FeedMetrics,
        logger: Logger,
        storedEvents: @escaping @Sendable (String) async throws -> [Event]
    ) {
        self.kind = kind
        self.fetcher = fetcher
        self.interval = interval
        self.concurrency = concurrency
        self.metrics = metrics
        self.logger = logger
        self.storedEvents = storedEvents
    }

    /// The games of `snapshot` whose events come from their play-by-play: those followed
    /// already or to their end, and those it shows live or at halftime (with a usable provider id).
    func followed(in snapshot: ScoreboardSnapshot) -> Set<String> {
        let current = wanted.withLock { Set($0.keys) }.union(finished.withLock { $0 })
        var ids: Set<String> = []
        for entry in snapshot.games where current.contains(entry.game.id) || Self.startsFollowing(entry) {
            ids.insert(entry.game.id)
        }
        return ids
    }

    /// Follows the games `snapshot` shows live, and tells those followed already their new state.
    /// Call it after the scoreboard's batch of `snapshot` was pushed, so that a game's record is
    /// published before its plays.
    func follow(_ snapshot: ScoreboardSnapshot) {
        let shown = Set(snapshot.games.map(\.game.id))
        let done = finished.withLock { finished in
            finished.formIntersection(shown)
            return finished
        }
        let dropped: [String] = wanted.withLock { wanted in
            for entry in snapshot.games
            where wanted[entry.game.id] != nil || (!done.contains(entry.game.id) && Self.startsFollowing(entry)) {
                wanted[entry.game.id] = entry
            }
            let dropped = unseen.withLock { unseen in
                var gone: [String] = []
                for gameId in wanted.keys {
                    let count = shown.contains(gameId) ? 0 : unseen[gameId, default: 0] + 1
                    unseen[gameId] = count
                    if count >= Self.scoreboardsWithoutGameBeforeLetGo { gone.append(gameId) }
                }
                unseen = unseen.filter { wanted[$0.key] != nil && !gone.contains($0.key) }
                return gone
            }
            for gameId in dropped { wanted[gameId] = nil }
            return dropped
        }
        for gameId in dropped.sorted() {
            logger.warning(
                "stopped following a game's play by play: the scoreboard has not shown it for \(Self.scoreboardsWithoutGameBeforeLetGo) polls",
                metadata: ["game": "\(gameId)"])
        }
    }

    /// The ids of the games followed now.
    var followedGameIds: Set<String> { wanted.withLock { Set($0.keys) } }

    private static func startsFollowing(_ entry: ScoreboardGame) -> Bool {
        (entry.state.status == .live || entry.state.status == .halftime) && FollowedGame.providerGameId(of: entry.game.id) != nil
    }

    /// Polls until cancelled.
    func run(into sink: FeedSink) async throws {
        var games: [String: FollowedGame] = [:]
        while true {
            try Task.checkCancellation()
            let now = ContinuousClock.now
            let current = wanted.withLock { $0 }
            // Games let go by ``follow(_:)`` (no longer on the scoreboard).
            for gameId in games.keys where current[gameId] == nil { games[gameId] = nil }
            for (gameId, entry) in current {
                if games[gameId] == nil, let providerId = FollowedGame.providerGameId(of: gameId) {
                    games[gameId] = FollowedGame(entry: entry, providerGameId: providerId, interval: interval, now: now)
                    logger.info("following a live game's play by play", metadata: ["game": "\(gameId)"])
                }
                games[gameId]?.entry = entry
                if entry.state.status == .final { games[gameId]?.markFinal(now: now) }
            }
            metrics.playByPlayGames.set(Double(games.count))
            let due = games.values.filter { $0.due <= now }.sorted { $0.due < $1.due }
            try await poll(due, games: &games, sink: sink)
            metrics.playByPlayGames.set(Double(games.count))
            let nextDue = games.values.map(\.due).min() ?? ContinuousClock.now + interval
            try await Task.sleep(until: min(nextDue, ContinuousClock.now + interval))
        }
    }

    /// Fetches the due games, at most `concurrency` at once, and handles each answer as it
    /// arrives: a game whose provider is slow delays no other game's plays.
    private func poll(_ due: [FollowedGame], games: inout [String: FollowedGame], sink: FeedSink) async throws {
        let fetcher = self.fetcher
        try await withThrowingTaskGroup(of: (String, Result<FetchOutcome, any Error>).self) { group in
            var waiting = due.makeIterator()
            func start(_ game: FollowedGame) {
                let (gameId, providerId, validators) = (game.gameId, game.providerGameId, game.validators)
                group.addTask {
                    do {
                        return (gameId, .success(try await fetcher.fetch(providerGameId: providerId, validators: validators)))
                    } catch {
                        return (gameId, .failure(error))
                    }
                }
            }
            for _ in 0..<concurrency {
                guard let game = waiting.next() else { break }
                start(game)
            }
            while let (gameId, outcome) = try await group.next() {
                if let game = waiting.next() { start(game) }
                guard var followed = games[gameId] else { continue }
                try await handle(outcome, of: &followed, sink: sink)
                if followed.isDone {
                    games[gameId] = nil
                    finished.withLock { _ = $0.insert(gameId) }
                    wanted.withLock { _ = $0.removeValue(forKey: gameId) }
                    logger.info(
                        "stopped following a game's play by play",
                        metadata: ["game": "\(gameId)", "status": "\(followed.published?.state?.status.name ?? "none")"]
                    )
                } else {
                    games[gameId] = followed
                }
            }
        }
    }

    private func handle(_ outcome: Result<FetchOutcome, any Error>, of game: inout FollowedGame, sink: FeedSink) async throws {
        let now = ContinuousClock.now
        switch outcome {
        case .failure(let error):
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            metrics.playByPlayPoll(result: "error")
            logger.warning(
                "play-by-play poll failed; this game is polled again after a backoff",
                metadata: ["game": "\(game.gameId)", "error": "\(error)"])
            game.failed(now: now, minimumWait: (error as? HTTPScoreboardFetcher.Failed)?.retryAfter)
        case .success(.notModified):
            metrics.playByPlayPoll(result: "not_modified")
            game.succeeded(now: now)
        case .success(.body(let bytes, let validators)):
            if try await apply(bytes, to: &game, sink: sink) {
                game.validators = validators
                game.succeeded(now: now)
            } else {
                game.validators = CacheValidators()
                game.failed(now: now)
            }
        }
    }

    /// Reads one payload of a game and pushes what is new in it.
    /// - Returns: false when the payload was refused (nothing of it was published).
    private func apply(_ bytes: [UInt8], to game: inout FollowedGame, sink: FeedSink) async throws -> Bool {
        // An ESPN summary is read in the league of the scoreboard that showed the game (a WNBA
        // game's summary read as the NBA's would get NBA teams, or be refused for good).
        let league = Leagues.league(id: game.entry.game.leagueId)
        // While the game is live, NBA plays listed before their period's start wait for it.
        let parsed: FeedResult<GameFeed> =
            kind == .nbaScoreboard
            ? game.playByPlay.nba(bytes, game: game.header, holdingUnstartedPeriods: game.header.state.status != .final)
            : game.playByPlay.espn(bytes, league: league)
        let feed: GameFeed
        switch parsed {
        case .failure(let rejection):
            refuse(game, rejection.reasons)
            return false
        case .success(let value):
            feed = value
        }
        guard feed.game.id == game.gameId else {
            refuse(game, [FeedError("the payload is the play-by-play of \(feed.game.id)")])
            return false
        }
        guard game.entry.game.leagueId.isEmpty || feed.game.leagueId == game.entry.game.leagueId else {
            refuse(game, [FeedError("the payload is a \(feed.game.leagueId) game; the scoreboard's is \(game.entry.game.leagueId)")])
            return false
        }
        if game.published == nil {
            game.published = PublishedPlays(gameId: game.gameId, stored: try await storedEvents(game.gameId))
        }
        for glitch in feed.glitches where !game.reportedGlitches.contains(glitch.detail) {
            GlitchReport.record(glitch, game: game.gameId, metrics: metrics, logger: logger)
        }
        game.reportedGlitches = Set(feed.glitches.map(\.detail))
        let before = game.published
        guard let update = game.published?.update(with: feed) else { return false }
        let violations = ScoreRules.violations(in: update.events, after: before?.state.map { [game.gameId: $0] } ?? [:])
        guard violations.isEmpty else {
            game.published = before
            refuse(game, violations, reason: "inconsistent")
            return false
        }
        if !update.revisedPlays.isEmpty || update.latePlays > 0 {
            metrics.playByPlayRevision()
            logger.warning(
                "the provider revised plays already published; the score is corrected to the provider's",
                metadata: [
                    "game": "\(game.gameId)", "revised": "\(update.revisedPlays.joined(separator: ","))",
                    "late_plays": "\(update.latePlays)",
                ]
            )
        }
        if update.behind > 0 {
            logger.warning(
                "plays behind what the score service has were left out",
                metadata: ["game": "\(game.gameId)", "plays": "\(update.behind)"]
            )
        }
        metrics.playByPlayPoll(result: update.events.isEmpty ? "unchanged" : "changed")
        if !update.events.isEmpty {
            try await sink.push(FeedBatch(events: update.events))
            logger.debug("new plays", metadata: ["game": "\(game.gameId)", "events": "\(update.events.count)"])
        }
        return true
    }

    /// Logs and counts a refused payload of `game` (see ``PayloadRejection``).
    private func refuse(_ game: FollowedGame, _ reasons: [FeedError], reason: String? = nil) {
        metrics.playByPlayPoll(result: "rejected")
        PayloadRejection.record(reasons, what: "play-by-play of \(game.gameId)", reason: reason, metrics: metrics, logger: logger)
    }
}
