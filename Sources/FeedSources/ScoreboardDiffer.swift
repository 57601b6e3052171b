import CourtsideDomain
public import CourtsideProto

/// What changed between two snapshots of the same scoreboard.
public struct ScoreboardDiff: Hashable, Sendable {
    /// The events to publish, grouped by game in the new snapshot's order, each game's in order.
    public var events: [Event]
    /// Games that are new or whose record changed (status, start time, venue): to upsert into the
    /// schedule service.
    public var changedGames: [Game]
    /// Games whose new state could not follow the old one (a stale CDN copy: the period or the
    /// status went back), with the reason. They produce no events.
    public var rejected: [FeedError]
    /// The snapshot to diff the next one against: the new states, except that rejected games keep
    /// their old state. Games missing from the new snapshot are dropped.
    public var baseline: ScoreboardSnapshot
    /// Gaps the events bridge: a game seen live that is final periods later (it ended while
    /// polling was down), as ``FeedGlitch/Kind/missingEnd``.
    public var glitches: [FeedGlitch]

    /// Creates a diff.
    public init(
        events: [Event],
        changedGames: [Game],
        rejected: [FeedError],
        baseline: ScoreboardSnapshot,
        glitches: [FeedGlitch] = []
    ) {
        self.events = events
        self.changedGames = changedGames
        self.rejected = rejected
        self.baseline = baseline
        self.glitches = glitches
    }
}

/// Turns two successive snapshots of a scoreboard into the events between them.
///
/// Per game, in this order:
/// - a score that went down on either side → one `correction` event carrying the new scores
///   (then no other score events for that poll);
/// - a period that advanced → `periodEnd` of the old period (unless it had already ended), a
///   `statusChange` to live if the game was not live (tip-off, end of halftime), then
///   `periodStart` of the new period (skipped periods are not invented);
/// - a score that went up → one event per side, home first: `freeThrow` for 1 point, `basket` for
///   2 or 3, and `other` (points 0, "+7" in the description) when several plays happened between
///   two polls;
/// - a period that ended (ESPN `STATUS_END_PERIOD`, NBA "End of …", halftime, final) →
///   `periodEnd`; then a `statusChange` to halftime, final, postponed, cancelled or scheduled.
/// After final only score changes produce events, as corrections.
///
/// **A change of the clock alone produces no event**: scoreboards move the clock on every poll,
/// and publishing each tick would flood every subscriber; the next real event carries the clock.
///
/// The first sighting of a game (no old entry) produces nothing for a game that has not started,
/// a `statusChange` to postponed or cancelled for such a game, and otherwise a single
/// `statusChange` carrying the whole current state (a restart mid-game must not replay events
/// that would move the period back). Seed the baseline from the score service's snapshots to
/// avoid even that.
///
/// Source ids are derived only from the game and the new state —
/// `<gameId>-<tag>@<home>-<away>-p<period>-<status>-<clockMs>`, tags `home`, `away`, `corr`,
/// `end-p<n>`, `start-p<n>`, `live`, `halftime`, `final`, … — so a restarted feed that derives the
/// same change publishes the same ids, and the score service folds them into the first copy.
/// (Limitation: if a score is corrected and then restored to exactly the same state, clock
/// included, the restored state reuses an id and is folded away until the next change.)
public enum ScoreboardDiffer {
    /// The events between two snapshots (`old` nil: the first poll).
    public static func diff(from old: ScoreboardSnapshot?, to new: ScoreboardSnapshot) -> ScoreboardDiff {
        var events: [Event] = []
        var changed: [Game] = []
        var rejected: [FeedError] = []
        var baseline: [ScoreboardGame] = []
        var glitches: [FeedGlitch] = []
        for entry in new.games {
            let previous = old?[entry.game.id]
            if previous?.game != entry.game { changed.append(entry.game) }
            switch self.events(from: previous, to: entry) {
            case .success(let gameEvents):
                events += gameEvents
                baseline.append(entry)
                if let previous, previous.state.status.isLive, entry.state.status == .final,
                    entry.state.period > previous.state.period
                {
                    glitches.append(
                        FeedGlitch(
                            .missingEnd,
                            "\(entry.game.id): last seen live in period \(previous.state.period), now final in period "
                                + "\(entry.state.period); the periods between are closed"
                        )
                    )
                }
            case .failure(let error):
                rejected.append(error)
                baseline.append(previous ?? entry)
            }
        }
        return ScoreboardDiff(
            events: events,
            changedGames: changed,
            rejected: rejected,
            baseline: ScoreboardSnapshot(games: baseline),
            glitches: glitches
        )
    }

    /// The events that take one game from `old` to `new` (`old` nil: first sighting), or why
    /// `new` cannot follow `old`.
    public static func events(from old: ScoreboardGame?, to new: ScoreboardGame) -> Result<[Event], FeedError> {
        var builder = Transition(gameId: new.game.id, new: new)
        guard let old else {
            builder.firstSighting()
            return .success(builder.events)
        }
        if let problem = regression(from: old, to: new) { return .failure(problem) }
        builder.apply(from: old)
        return .success(builder.events)
    }

    /// Why `new` cannot follow `old`, if it cannot.
    private static func regression(from old: ScoreboardGame, to new: ScoreboardGame) -> FeedError? {
        let id = new.game.id
        if new.state.period < old.state.period {
            return FeedError("\(id): period went back from \(old.state.period) to \(new.state.period) (stale snapshot?)")
        }
        let before = old.state.status
        let after = new.state.status
        if before == .final, after != .final {
            return FeedError("\(id): status went back from final to \(after) (stale snapshot?)")
        }
        if before == .cancelled, after != .cancelled {
            return FeedError("\(id): status changed after the game was cancelled")
        }
        if before.isLive, after == .scheduled || after == .postponed {
            return FeedError("\(id): status went back from \(before) to \(after) (stale snapshot?)")
        }
        return nil
    }
}

/// Builds one game's events for one poll; every event's source id uses the new state's key.
private struct Transition {
    let gameId: String
    let new: ScoreboardGame
    let key: String
    var current = GameState()
    var events: [Event] = []

    init(gameId: String, new: ScoreboardGame) {
        self.gameId = gameId
        self.new = new
        let state = new.state
        key = "\(state.homeScore)-\(state.awayScore)-p\(state.period)-\(Self.statusName(state.status))-\(state.clockMs)"
    }

    /// The status's name in source ids and descriptions (stable: ids derive from it).
    static func statusName(_ status: GameStatus) -> String {
        status.isSpecified ? status.name : "status\(status.rawValue)"
    }

    mutating func firstSighting() {
        let state = new.state
        switch state.status {
        case .scheduled where state.period == 0 && state.homeScore == 0 && state.awayScore == 0:
            return
        case .postponed, .cancelled, .scheduled:
            current = state
            emit(.statusChange, tag: Self.statusName(state.status), description: "Status: \(Self.statusName(state.status))")
        default:
            current = state
            emit(.statusChange, tag: Self.statusName(state.status), description: "Now \(Self.describe(state))")
        }
    }

    mutating func apply(from old: ScoreboardGame) {
        current = old.state
        let target = new.state
        if old.state == target && old.periodEnded == new.periodEnded { return }

        if old.state.status == .final {
            if target.homeScore != old.state.homeScore || target.awayScore != old.state.awayScore {
                current.homeScore = target.homeScore
                current.awayScore = target.awayScore
                emit(.correction, tag: "corr", description: "Final score corrected to \(target.homeScore)–\(target.awayScore)")
            }
            return
        }

        var periodEnded = old.periodEnded
        var scoresDone = false
        if target.homeScore < old.state.homeScore || target.awayScore < old.state.awayScore {
            current.homeScore = target.homeScore
            current.awayScore = target.awayScore
            let side =
                target.homeScore < old.state.homeScore
                ? (target.awayScore < old.state.awayScore ? "" : new.game.homeTeamId) : new.game.awayTeamId
            emit(.correction, tag: "corr", team: side, description: "Score corrected to \(target.homeScore)–\(target.awayScore)")
            scoresDone = true
        }

        let startsPlay = target.status.isLive || target.status == .final
        if target.period > current.period {
            if current.period >= 1, !periodEnded {
                endPeriod()
            }
            if current.status != .live, startsPlay {
                current.period = target.period
                current.clockMs = GameClock.periodLengthMs(target.period, leagueID: new.game.leagueId)
                current.clockRunning = false
                current.status = .live
                emit(.statusChange, tag: "live", description: target.period == 1 ? "Tip-off" : "Play resumes")
            }
            current.period = target.period
            current.clockMs = GameClock.periodLengthMs(target.period, leagueID: new.game.leagueId)
            current.clockRunning = false
            emit(.periodStart, tag: "start-p\(target.period)", description: "Start of the \(PeriodNames.name(of: target.period))")
            periodEnded = false
        } else if current.status != .live, target.status == .live {
            // Tip-off seen without a period change, or the end of halftime.
            current.status = .live
            current.clockRunning = false
            emit(.statusChange, tag: "live", description: "Play resumes")
        }

        if !scoresDone {
            current.clockMs = target.clockMs
            current.clockRunning = target.clockRunning
            addScore(home: true, from: current.homeScore, to: target.homeScore)
            addScore(home: false, from: current.awayScore, to: target.awayScore)
        }

        if new.periodEnded, !periodEnded, current.period >= 1 {
            endPeriod()
        }
        if target.status != current.status, target.status != .live {
            current.status = target.status
            current.clockRunning = false
            if target.status == .final || target.status == .halftime { current.clockMs = 0 }
            let name = Self.statusName(target.status)
            emit(.statusChange, tag: name, description: target.status == .final ? "Final" : "Status: \(name)")
        }

        // The last event carries exactly the scoreboard's state (clock included).
        if !events.isEmpty {
            events[events.count - 1].state = target
        }
    }

    private mutating func endPeriod() {
        current.clockMs = 0
        current.clockRunning = false
        emit(.periodEnd, tag: "end-p\(current.period)", description: "End of the \(PeriodNames.name(of: current.period))")
    }

    private mutating func addScore(home: Bool, from before: UInt32, to after: UInt32) {
        guard after > before else { return }
        let delta = after - before
        if home { current.homeScore = after } else { current.awayScore = after }
        let team = home ? new.game.homeTeamId : new.game.awayTeamId
        let tag = home ? "home" : "away"
        switch delta {
        case 1: emit(.freeThrow, tag: tag, team: team, points: 1, description: "\(team) +1")
        case 2, 3: emit(.basket, tag: tag, team: team, points: delta, description: "\(team) +\(delta)")
        default: emit(.other, tag: tag, team: team, description: "\(team) +\(delta) (several plays between polls)")
        }
    }

    private mutating func emit(_ kind: EventKind, tag: String, team: String = "", points: UInt32 = 0, description: String) {
        events.append(
            Event(
                gameId: gameId,
                sourceId: "\(gameId)-\(tag)@\(key)",
                kind: kind,
                teamId: team,
                points: points,
                description: description,
                state: current
            )
        )
    }

    static func describe(_ state: GameState) -> String {
        "\(statusName(state.status)), \(state.homeScore)–\(state.awayScore), period \(state.period)"
    }
}
