import CourtsideDomain
import CourtsideProto

/// One play of a provider's play-by-play, already read from its JSON: what the adapters hand
/// to ``PlayByPlayBuilder``.
struct PlayAction {
    /// What happened, in the builder's vocabulary (a little richer than `EventKind`).
    enum Kind: Equatable {
        case basket(points: UInt32)
        case freeThrow
        case miss(freeThrow: Bool)
        case rebound
        case turnover
        case foul
        case violation
        case timeout
        case substitution
        case jumpBall
        case periodStart
        case periodEnd
        /// The provider's own "game over" play (NBA `game`/`end`, ESPN "End Game").
        case gameEnd
        /// An instant replay, challenge or review. A score may drop only here; `overturned`
        /// reviews become corrections even when the score stays.
        case review(overturned: Bool)
        case other
    }

    /// The source id (provider id with the provider's prefix), unique within the game.
    var sourceId: String
    var kind: Kind
    var period: UInt32
    /// Time left in the period; nil when the provider left it out (the previous clock stands).
    var clockMs: UInt32?
    /// The running score after the play.
    var homeScore: UInt32
    var awayScore: UInt32
    /// Tricode of the team the play belongs to, or "".
    var teamId: String
    var player: String
    var description: String
    var occurredAtMs: Int64
    /// Where the play is in the payload, for reasons ("game.actions[170]").
    var label: String
}

/// Turns a provider's plays into Courtside events, adding what providers leave implicit and
/// checking what they must not break.
///
/// Added (with source ids derived from the game, so they are as stable as the provider's):
/// - a `statusChange` to live at tip-off and after halftime (`<prefix>-live-p<n>`);
/// - `periodStart` where a provider has no start play (`<prefix>-start-p<n>`, ESPN and Sportradar);
///   plays listed before a period's own start play (NBA's substitutions between periods) are
///   published with the state of the break they happen in;
/// - `periodEnd` where a period ends without one (`<prefix>-end-p<n>`);
/// - a `statusChange` to halftime after the 2nd period's end (`<prefix>-halftime`);
/// - a `statusChange` to final when the provider says the game is over but has no closing play
///   (`<prefix>-final`); a provider's own closing play becomes that status change instead.
///
/// Rejected (the whole payload): a score that drops anywhere but in a review play, a period
/// going back, a play after the game's end that is not a review, a repeated play id, a final
/// score that disagrees with the provider's own header.
///
/// Status changes happen only in `statusChange` events, so a feed service can forward every
/// one of them to the schedule service.
struct PlayByPlayBuilder {
    let gameId: String
    /// Prefix of synthesized source ids, e.g. "nba-0022000001".
    let syntheticPrefix: String

    private(set) var state = GameState(status: .scheduled)
    private(set) var events: [Event] = []
    private(set) var errors: [FeedError] = []
    private var periodEnded = false
    /// Periods that have a start play of their own (NBA), so none is synthesized for them.
    private var periodsWithStartPlay: Set<UInt32> = []
    private var seenSourceIds: Set<String> = []
    private var lastOccurredAtMs: Int64 = 0

    init(gameId: String, syntheticPrefix: String) {
        self.gameId = gameId
        self.syntheticPrefix = syntheticPrefix
    }

    /// Adds every play of a payload, in the provider's order.
    mutating func add(contentsOf actions: [PlayAction]) {
        periodsWithStartPlay = Set(actions.filter { $0.kind == .periodStart }.map(\.period))
        for action in actions { add(action) }
    }

    /// Adds one play (in the provider's order).
    private mutating func add(_ action: PlayAction) {
        guard errors.count < FeedRejection.maximumReasons else { return }
        if action.occurredAtMs > 0 { lastOccurredAtMs = action.occurredAtMs }
        guard seenSourceIds.insert(action.sourceId).inserted else {
            fail("\(action.label): play id \(action.sourceId) appears twice")
            return
        }
        let scoreDropped = action.homeScore < state.homeScore || action.awayScore < state.awayScore
        let isReview: Bool
        if case .review = action.kind { isReview = true } else { isReview = false }

        if state.status == .final {
            // Only a review may follow the end (a basket taken back, a score fixed): it becomes
            // a correction. Anything else means the plays are out of order.
            guard isReview else {
                fail("\(action.label): \(Self.name(of: action.kind)) after the end of the game")
                return
            }
            emitCorrection(for: action, at: max(action.period, state.period))
            return
        }
        guard action.period >= 1 else {
            fail("\(action.label): period \(action.period) (plays start in period 1)")
            return
        }
        guard action.period >= state.period else {
            fail("\(action.label): period went back from \(state.period) to \(action.period)")
            return
        }
        if scoreDropped, !isReview {
            fail(
                "\(action.label): score went down from \(state.homeScore)–\(state.awayScore) to "
                    + "\(action.homeScore)–\(action.awayScore) without a correction"
            )
            return
        }

        if action.period > state.period, action.kind != .periodStart, action.kind != .periodEnd,
            action.kind != .gameEnd, !isReview, periodsWithStartPlay.contains(action.period)
        {
            // NBA lists the substitutions made between periods, already numbered with the next
            // period, before that period's "Period Start": they happen while the game is still at
            // the end of the previous period (or at halftime), and are published that way.
            if state.period >= 1, !periodEnded {
                synthesizePeriodEnd(occurredAtMs: action.occurredAtMs)
                if state.period == 2 { synthesizeHalftime(occurredAtMs: action.occurredAtMs) }
            }
            var held = action
            held.period = state.period
            held.clockMs = state.clockMs
            emit(held, kind: Self.eventKind(of: action.kind))
            return
        }
        if action.period > state.period {
            enterPeriod(action.period, occurredAtMs: action.occurredAtMs)
            if action.kind == .periodStart {
                emit(action, kind: .periodStart, clockMs: action.clockMs ?? GameClock.periodLengthMs(action.period))
                return
            }
            synthesizePeriodStart(action.period, occurredAtMs: action.occurredAtMs)
        }

        switch action.kind {
        case .review(let overturned):
            if scoreDropped || overturned {
                emitCorrection(for: action, at: action.period)
            } else {
                emit(action, kind: .other)
            }
        case .periodEnd:
            emit(action, kind: .periodEnd, clockMs: 0)
            periodEnded = true
            if state.period == 2 { synthesizeHalftime(occurredAtMs: action.occurredAtMs) }
        case .gameEnd:
            if !periodEnded { synthesizePeriodEnd(occurredAtMs: action.occurredAtMs) }
            emit(action, kind: .statusChange, clockMs: 0, status: .final)
        case .periodStart:
            emit(action, kind: .periodStart, clockMs: action.clockMs ?? GameClock.periodLengthMs(action.period))
        default:
            emit(action, kind: Self.eventKind(of: action.kind))
        }
    }

    /// Closes the game as the provider's header says and returns the events, or every reason
    /// to reject the payload.
    ///
    /// - Parameters:
    ///   - providerStatus: the status in the provider's header (boxscore, summary header, game).
    ///   - providerScore: the provider's header score (home, away); checked against the plays
    ///     when the game is final (a live header may be ahead of its plays).
    mutating func finish(providerStatus: GameStatus, providerScore: (home: UInt32, away: UInt32)?) -> [FeedError] {
        if errors.isEmpty, providerStatus == .final {
            if let score = providerScore, score.home != state.homeScore || score.away != state.awayScore {
                fail(
                    "the provider says the final score is \(score.home)–\(score.away) but its plays end at "
                        + "\(state.homeScore)–\(state.awayScore)"
                )
            } else if state.status != .final {
                if state.period == 0 {
                    fail("the provider says the game is final but its play-by-play has no plays")
                } else {
                    if !periodEnded { synthesizePeriodEnd(occurredAtMs: lastOccurredAtMs) }
                    synthesize(.statusChange, tag: "final", description: "Final", status: .final, clockMs: 0)
                }
            }
        }
        if errors.isEmpty {
            // Built to obey them; checked anyway, as the last line of defence before publishing.
            errors = ScoreRules.violations(in: events)
        }
        return errors
    }

    // MARK: Synthesized structure

    private mutating func enterPeriod(_ period: UInt32, occurredAtMs: Int64) {
        if state.period >= 1, !periodEnded {
            synthesizePeriodEnd(occurredAtMs: occurredAtMs)
            if state.period == 2 { synthesizeHalftime(occurredAtMs: occurredAtMs) }
        }
        if state.status == .scheduled || state.status == .halftime {
            state.period = period
            synthesize(
                .statusChange,
                tag: "live-p\(period)",
                description: period == 1 ? "Tip-off" : "Start of the second half",
                status: .live,
                clockMs: GameClock.periodLengthMs(period),
                occurredAtMs: occurredAtMs
            )
        }
        state.period = period
        periodEnded = false
    }

    private mutating func synthesizePeriodStart(_ period: UInt32, occurredAtMs: Int64) {
        synthesize(
            .periodStart,
            tag: "start-p\(period)",
            description: "Start of the \(PeriodNames.name(of: period))",
            clockMs: GameClock.periodLengthMs(period),
            occurredAtMs: occurredAtMs
        )
    }

    private mutating func synthesizePeriodEnd(occurredAtMs: Int64) {
        synthesize(
            .periodEnd,
            tag: "end-p\(state.period)",
            description: "End of the \(PeriodNames.name(of: state.period))",
            clockMs: 0,
            occurredAtMs: occurredAtMs
        )
        periodEnded = true
    }

    private mutating func synthesizeHalftime(occurredAtMs: Int64) {
        synthesize(.statusChange, tag: "halftime", description: "Halftime", status: .halftime, clockMs: 0, occurredAtMs: occurredAtMs)
    }

    private mutating func synthesize(
        _ kind: EventKind,
        tag: String,
        description: String,
        status: GameStatus? = nil,
        clockMs: UInt32,
        occurredAtMs: Int64? = nil
    ) {
        let sourceId = "\(syntheticPrefix)-\(tag)"
        guard seenSourceIds.insert(sourceId).inserted else {
            fail("the plays imply \"\(description)\" twice")
            return
        }
        if let status { state.status = status }
        state.clockMs = clockMs
        state.clockRunning = false
        events.append(
            Event(
                gameId: gameId,
                sourceId: sourceId,
                kind: kind,
                description: description,
                state: state,
                occurredAtMs: occurredAtMs ?? lastOccurredAtMs
            )
        )
    }

    // MARK: Provider plays

    private mutating func emit(
        _ action: PlayAction,
        kind: EventKind,
        clockMs: UInt32? = nil,
        status: GameStatus? = nil
    ) {
        state.homeScore = action.homeScore
        state.awayScore = action.awayScore
        state.period = max(state.period, action.period)
        state.clockMs = clockMs ?? action.clockMs ?? state.clockMs
        if let status { state.status = status }
        state.clockRunning = Self.clockRuns(after: action.kind, period: state.period, clockMs: state.clockMs)
        if state.status != .live { state.clockRunning = false }
        var points: UInt32 = 0
        switch action.kind {
        case .basket(let value): points = value
        case .freeThrow: points = 1
        default: break
        }
        events.append(
            Event(
                gameId: gameId,
                sourceId: action.sourceId,
                kind: kind,
                teamId: action.teamId,
                points: points,
                player: action.player,
                description: action.description,
                state: state,
                occurredAtMs: action.occurredAtMs > 0 ? action.occurredAtMs : lastOccurredAtMs
            )
        )
    }

    private mutating func emitCorrection(for action: PlayAction, at period: UInt32) {
        var corrected = action
        corrected.period = period
        emit(corrected, kind: .correction)
    }

    private mutating func fail(_ reason: String) {
        errors.append(FeedError(reason))
    }

    /// Whether the game clock runs after a play: it runs on after field goals (except in the last
    /// two minutes of the 4th period and of overtimes), misses from the field, rebounds and jump
    /// balls, and is stopped by everything else (fouls, free throws, timeouts, turnovers — most
    /// are dead balls — substitutions, reviews, period boundaries).
    static func clockRuns(after kind: PlayAction.Kind, period: UInt32, clockMs: UInt32) -> Bool {
        guard clockMs > 0 else { return false }
        switch kind {
        case .basket: return !(period >= GameClock.regulationPeriods && clockMs <= 120_000)
        case .miss(let freeThrow): return !freeThrow
        case .rebound, .jumpBall: return true
        default: return false
        }
    }

    static func eventKind(of kind: PlayAction.Kind) -> EventKind {
        switch kind {
        case .basket: .basket
        case .freeThrow: .freeThrow
        case .miss: .miss
        case .rebound: .rebound
        case .turnover: .turnover
        case .foul: .foul
        case .violation: .violation
        case .timeout: .timeout
        case .substitution: .substitution
        case .jumpBall: .jumpBall
        case .periodStart: .periodStart
        case .periodEnd: .periodEnd
        case .gameEnd: .statusChange
        case .review: .correction
        case .other: .other
        }
    }

    static func name(of kind: PlayAction.Kind) -> String {
        switch kind {
        case .basket: "a basket"
        case .freeThrow: "a free throw"
        case .miss: "a miss"
        case .rebound: "a rebound"
        case .turnover: "a turnover"
        case .foul: "a foul"
        case .violation: "a violation"
        case .timeout: "a timeout"
        case .substitution: "a substitution"
        case .jumpBall: "a jump ball"
        case .periodStart: "a period start"
        case .periodEnd: "a period end"
        case .gameEnd: "a game end"
        case .review: "a review"
        case .other: "a play"
        }
    }
}

/// Names of periods for descriptions: "1st quarter" … "4th quarter", "overtime", "2nd overtime".
enum PeriodNames {
    static func name(of period: UInt32) -> String {
        if period == 0 { return "pre-game" }
        if period <= GameClock.regulationPeriods { return "\(ordinal(period)) quarter" }
        let overtime = period - GameClock.regulationPeriods
        return overtime == 1 ? "overtime" : "\(ordinal(overtime)) overtime"
    }

    static func ordinal(_ number: UInt32) -> String {
        let suffix: String
        switch (number % 10, number % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(number)\(suffix)"
    }
}
