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
    /// Where the play is in the payload, for reasons ("game.actions[170] (action 212)").
    var label: Label

    /// What a play of ``PlayByPlayBuilder``'s list holds while it is moved out of it.
    static let movedOut = PlayAction(
        sourceId: "", kind: .other, period: 0, homeScore: 0, awayScore: 0, teamId: "", player: "", description: "",
        occurredAtMs: 0, label: Label(node: nil, what: "action", id: ""))

    /// Where a play is in its payload: worked out only when a reason names it (most plays are
    /// never named, and a path takes a walk over the payload).
    struct Label: CustomStringConvertible {
        /// The play's node; nil once the builder has added the play (a builder kept for the next
        /// poll would otherwise keep each poll's payload alive through its plays).
        var node: JSONNode?
        /// What the provider calls a play and its id ("action 212").
        var what: StaticString
        var id: String

        var description: String { "\(node?.path ?? "$") (\(what) \(id))" }
    }
}

/// Turns a provider's plays into Courtside events, adding what providers leave implicit and
/// reconciling the glitches real play-by-play has (each recorded in ``glitches``).
///
/// Added (with source ids derived from the game, so they are as stable as the provider's):
/// - a `statusChange` to live at tip-off and after halftime (`<prefix>-live-p<n>`);
/// - `periodStart` where a provider has no start play (`<prefix>-start-p<n>`, ESPN and Sportradar);
///   plays listed before a period's own start play (NBA's substitutions between periods) are
///   published with the state of the break they happen in;
/// - `periodEnd` where a period ends without one (`<prefix>-end-p<n>`);
/// - a `statusChange` to halftime after the 2nd period's end (`<prefix>-halftime`);
/// - a `statusChange` to final when the provider says the game is over but has no closing play
///   (`<prefix>-final`); a provider's own closing play becomes that status change instead;
/// - a `correction` to the header's score when the header is ahead of the plays (live) or
///   differs from them (final): `<prefix>-header@<home>-<away>-p<period>`.
///
/// Reconciled (see ``FeedGlitch/Kind``): plays out of order are placed by period and clock; a
/// lower score that the provider takes back is ignored (stale), one it keeps is preceded by a
/// correction; a repeated play id or a play after the end is left out.
///
/// Held back (``holdsUnstartedPeriods``, a live NBA play-by-play): the plays of a period whose
/// own start play is not listed yet, and every play after them, until a payload lists the start.
///
/// Rejected (the whole payload): only what cannot be placed at all (a play in period 0) and a
/// synthesized event implied twice; the events are checked against the score service's rules
/// before they are returned.
///
/// Status changes happen only in `statusChange` events, so a feed service can forward every
/// one of them to the schedule service.
struct PlayByPlayBuilder {
    /// What the provider's header (boxscore, summary header, game) says about the game now.
    struct Header {
        var status: GameStatus
        /// The header's score (home, away), when it has one.
        var score: (home: UInt32, away: UInt32)?
        var period: UInt32 = 0
        var clockMs: UInt32 = 0
        /// Whether the header's period is over (end of a period, halftime).
        var periodEnded = false
        /// The game's league ("": the NBA): how long its periods are (``PeriodRules``), for the
        /// clock of a period that starts without one.
        var leagueID = ""
    }

    let gameId: String
    /// Prefix of synthesized source ids, e.g. "nba-0022000001".
    let syntheticPrefix: String
    /// Consulted by ``finish()`` and by a stale-score decision that looks past the last play
    /// (see ``extend(with:header:)``).
    private(set) var header: Header
    /// Whether the provider closes a game with a play of its own (NBA, ESPN; not Sportradar), so
    /// that a final game without one is a glitch worth counting.
    let closesWithAPlay: Bool
    /// Whether a period is opened only by its own start play, so that the plays of a period
    /// whose start play is not listed yet wait (with every play after them) instead of opening
    /// it: NBA lists the substitutions made between periods, numbered with the next period,
    /// before that period's "Period Start", and a live payload cut between them would otherwise
    /// open the period itself (a start, and a tip-off or second half, of its own) while the game
    /// is still in the break. Set for a live NBA play-by-play; never with a final header (a
    /// finished game lists all its periods).
    let holdsUnstartedPeriods: Bool
    /// How many plays (of ``ordered``) were held back (see ``holdsUnstartedPeriods``).
    private(set) var heldBackPlays = 0

    private(set) var state = GameState(status: .scheduled)
    private(set) var events: [Event] = []
    private(set) var errors: [FeedError] = []
    /// The glitches met, each kind's cut to ``FeedRejection/maximumReasons`` (the last one then
    /// says how many more there were), in play order.
    var glitches: [FeedGlitch] {
        let cap = FeedRejection.maximumReasons
        return keptGlitches
            + FeedGlitch.Kind.allCases.compactMap { kind in
                let count = glitchCounts[kind, default: 0]
                return count > cap - 1 ? FeedGlitch(kind, "… and \(count - (cap - 1)) more like it") : nil
            }
    }
    /// The first glitches of each kind (all but the last of its ``FeedRejection/maximumReasons``).
    private var keptGlitches: [FeedGlitch] = []
    /// How many glitches of each kind were met.
    private var glitchCounts: [FeedGlitch.Kind: Int] = [:]
    private var periodEnded = false
    /// Periods that have a start play of their own (NBA), so none is synthesized for them.
    private var periodsWithStartPlay: Set<UInt32> = []
    /// Every source id met or given out: each provider play's (published or left out) and each
    /// synthesized event's and correction's. A repeated one is refused before an event is built.
    private var seenSourceIds: Set<String> = []
    private var lastOccurredAtMs: Int64 = 0
    /// The moment of the last play given (in the provider's order), and the latest moment of any
    /// play given: what the plays given next are placed after (``extend(with:header:)``).
    private var lastMoment: Moment?
    private var latestMoment: Moment?
    /// Whether a decision so far looked past the last play given (a dropped score with no scoring
    /// play after it, decided by the plays to the end or the header's score): plays given later,
    /// or another header, could change it.
    private var decidedPastTheEnd = false
    /// The score service's rules checked over each event as it is built (``publish(_:)``), and
    /// what they broke (``finish()`` refuses the payload for it). Source ids are not looked up
    /// again there: ``seenSourceIds`` already refuses a repeated one before any event is built.
    private var ruleCheck = ScoreRules.BatchCheck(checksSourceIds: false)
    private var ruleViolations: [FeedError] = []
    /// The plays in game order (see ``inGameOrder(_:)``), for looking ahead.
    private var ordered: [PlayAction] = []
    /// What lies ahead of each play of ``ordered`` (see ``Ahead``), for ``dropIsStale(at:)``.
    private var ahead: [Ahead] = []
    /// The last look for a play showing both sides of a score again: the score, where the look
    /// began, and the first such play after it (or the end of the plays looked at, when none
    /// is). Stale plays leave the score as it is, so the plays after a run of them are looked
    /// at once.
    private var lastLook: (home: UInt32, away: UInt32, start: Int, index: Int, found: Bool)?

    /// What follows a play, up to the next scoring play: that play's index, and the highest
    /// scores shown by the plays that score nothing before it.
    private struct Ahead {
        var nextScoring: Int?
        var highestHome: UInt32 = 0
        var highestAway: UInt32 = 0
    }

    init(gameId: String, syntheticPrefix: String, header: Header, closesWithAPlay: Bool = true, holdsUnstartedPeriods: Bool = false) {
        self.gameId = gameId
        self.syntheticPrefix = syntheticPrefix
        self.header = header
        self.closesWithAPlay = closesWithAPlay
        self.holdsUnstartedPeriods = holdsUnstartedPeriods && header.status != .final
    }

    /// Adds every play of a payload, given in the provider's order.
    mutating func add(contentsOf actions: consuming [PlayAction]) {
        let keys = Self.moments(of: actions, after: nil)
        var misplaced: [PlayAction] = []
        if Self.isInOrder(keys) {
            // Moved, not copied: with no other reference to the plays' storage, letting go of
            // their labels below changes them in place instead of copying every play.
            ordered = consume actions
        } else {
            (ordered, misplaced) = Self.inGameOrder(actions, keys: keys)
        }
        for action in misplaced {
            glitch(.outOfOrder, "\(action.label): listed after a later moment of the game; placed by period \(action.period) and clock")
        }
        lastMoment = keys.last
        latestMoment = keys.max()
        ahead = Self.lookingAhead(ordered)
        lastLook = nil
        periodsWithStartPlay = Set(ordered.filter { $0.kind == .periodStart }.map(\.period))
        // Room for every play and a few synthesized events, instead of rehashing every id as
        // the set doubles.
        seenSourceIds.reserveCapacity(seenSourceIds.count + ordered.count + 16)
        events.reserveCapacity(events.count + ordered.count + 16)
        for index in ordered.indices { add(at: index) }
        forgetLabels(from: 0)
    }

    /// Adds plays listed after every play given so far (the next poll of a live play-by-play:
    /// the same plays and a few more), under `header` (the provider's header now), when the
    /// result is sure to be the one of ``add(contentsOf:)`` with all of them under that header:
    /// each new play is at or after the latest moment so far (so nothing is placed differently
    /// and no play becomes misplaced), none is the start play of the last period played so far
    /// (which would move that period's earlier plays into the break before it), no play is held
    /// back, no decision so far looked past the last play, and nothing was refused. Otherwise
    /// returns false and changes nothing: the caller builds the game anew.
    mutating func extend(with actions: [PlayAction], header: Header) -> Bool {
        guard errors.isEmpty, heldBackPlays == 0, !decidedPastTheEnd, header.leagueID == self.header.leagueID,
            holdsUnstartedPeriods == (holdsUnstartedPeriods && header.status != .final)
        else { return false }
        let keys = Self.moments(of: actions, after: lastMoment)
        var latest = latestMoment
        for key in keys {
            if let latest, key < latest { return false }
            latest = key
        }
        let newStarts = Set(actions.filter { $0.kind == .periodStart }.map(\.period)).subtracting(periodsWithStartPlay)
        if let lastPeriod = ordered.last?.period, newStarts.contains(lastPeriod) { return false }
        self.header = header
        lastMoment = keys.last ?? lastMoment
        latestMoment = latest
        periodsWithStartPlay.formUnion(newStarts)
        let first = ordered.count
        ordered += actions
        ahead = Self.lookingAhead(ordered)
        for index in first..<ordered.count { add(at: index) }
        forgetLabels(from: first)
        return true
    }

    /// Adds an event, checked against the score service's rules as it is added (while it is in
    /// hand: checked later from the list, each would be copied).
    private mutating func publish(_ event: consuming Event) {
        ruleCheck.check(event, into: &ruleViolations)
        events.append(event)
    }

    /// Lets go of the payload nodes of the plays from `first` on: a label names a play only
    /// while it is added.
    private mutating func forgetLabels(from first: Int) {
        for index in first..<ordered.count { ordered[index].label.node = nil }
    }

    /// Where each play is in the game (`previous`: the moment of the play given before them):
    /// its period and the game time played until its clock; a play without a clock stays at the
    /// play before it in the same period, or at the start of its period.
    static func moments(of actions: [PlayAction], after previous: Moment?) -> [Moment] {
        var keys: [Moment] = []
        keys.reserveCapacity(actions.count)
        var previous = previous
        // By index and field: `for action in actions` would copy (retain and release) every
        // string of every play.
        for index in actions.indices {
            let period = actions[index].period
            let key: Moment
            if let clockMs = actions[index].clockMs {
                key = Moment(period: period, elapsedMs: GameClock.elapsedMs(period: period, clockMs: clockMs))
            } else if let previous, previous.period == period {
                key = previous
            } else {
                let start = GameClock.elapsedMs(period: period, clockMs: GameClock.periodLengthMs(period))
                key = Moment(period: period, elapsedMs: start)
            }
            keys.append(key)
            previous = key
        }
        return keys
    }

    /// The plays sorted by period, then by time played in the period (their `keys`, from
    /// ``moments(of:after:)``); equal moments keep the provider's order. Also returns the
    /// misplaced plays: those outside a longest run of plays already in that order. (Most
    /// payloads list their plays in game order: ``isInOrder(_:)`` says so first, in one pass.)
    static func inGameOrder(_ actions: [PlayAction], keys: [Moment]) -> (ordered: [PlayAction], misplaced: [PlayAction]) {
        let inOrder = longestOrderedRun(keys)
        let misplaced = actions.indices.filter { !inOrder.contains($0) }.map { actions[$0] }
        let sorted = actions.indices.sorted { (keys[$0], $0) < (keys[$1], $1) }
        return (sorted.map { actions[$0] }, misplaced)
    }

    /// Whether `keys` never go back.
    static func isInOrder(_ keys: [Moment]) -> Bool {
        zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 }
    }

    /// A moment of the game: its period and the game time played until then.
    struct Moment: Comparable {
        var period: UInt32
        var elapsedMs: Int64

        static func < (lhs: Moment, rhs: Moment) -> Bool {
            (lhs.period, lhs.elapsedMs) < (rhs.period, rhs.elapsedMs)
        }
    }

    /// The indices of a longest non-decreasing subsequence of `keys` (patience sorting).
    static func longestOrderedRun(_ keys: [Moment]) -> Set<Int> {
        var tails: [Int] = []
        var previous = [Int](repeating: -1, count: keys.count)
        for index in keys.indices {
            var low = 0
            var high = tails.count
            while low < high {
                let middle = (low + high) / 2
                if keys[tails[middle]] <= keys[index] { low = middle + 1 } else { high = middle }
            }
            if low > 0 { previous[index] = tails[low - 1] }
            if low == tails.count { tails.append(index) } else { tails[low] = index }
        }
        var run: Set<Int> = []
        var cursor = tails.last ?? -1
        while cursor >= 0 {
            run.insert(cursor)
            cursor = previous[cursor]
        }
        return run
    }

    /// Adds the play at `index` of ``ordered``.
    private mutating func add(at index: Int) {
        guard errors.count < FeedRejection.maximumReasons else { return }
        guard heldBackPlays == 0 else {
            heldBackPlays += 1
            return
        }
        // Moved out of ``ordered`` and back, not copied: its texts go on into the event built of it
        // (``emit(_:kind:clockMs:status:)``); what stays in ``ordered`` (the moment and score
        // that later plays are placed and judged by) is put back as the provider gave it.
        var action = PlayAction.movedOut
        swap(&action, &ordered[index])
        let given = (period: action.period, clockMs: action.clockMs, home: action.homeScore, away: action.awayScore)
        defer {
            (action.period, action.clockMs, action.homeScore, action.awayScore) = given
            swap(&action, &ordered[index])
        }
        if action.occurredAtMs > 0 { lastOccurredAtMs = action.occurredAtMs }
        guard seenSourceIds.insert(action.sourceId).inserted else {
            glitch(.duplicatePlay, "\(action.label): play id \(action.sourceId) appears again; the first copy stands")
            return
        }
        let isReview: Bool
        if case .review = action.kind { isReview = true } else { isReview = false }

        if state.status == .final {
            // Only a review may follow the end (a basket taken back, a score fixed): it becomes
            // a correction. Anything else is left out; the header settles the final score.
            guard isReview else {
                glitch(.playAfterEnd, "\(action.label): \(Self.name(of: action.kind)) after the end of the game, left out")
                return
            }
            action.period = max(action.period, state.period)
            emit(&action, kind: .correction)
            return
        }
        guard action.period >= 1 else {
            fail("\(action.label): period \(action.period) (plays start in period 1)")
            return
        }
        guard action.period >= state.period else {
            // Unreachable after ``inGameOrder(_:)``; kept as the last guard of the period rule.
            fail("\(action.label): period went back from \(state.period) to \(action.period)")
            return
        }
        // A play listed before its period's own start play belongs to the break before it.
        let beforeItsStart =
            action.period > state.period && action.kind != .periodStart && action.kind != .periodEnd && action.kind != .gameEnd
            && !isReview && periodsWithStartPlay.contains(action.period)
        if holdsUnstartedPeriods, action.period > state.period, action.kind != .periodStart, !beforeItsStart {
            holdBack(occurredAtMs: action.occurredAtMs)
            return
        }
        if action.clockMs == nil, action.kind != .periodStart, action.kind != .periodEnd, action.kind != .gameEnd {
            glitch(.unknownClock, "\(action.label): no game clock; the clock before it stands")
        }
        var takenBack = false
        if action.homeScore < state.homeScore || action.awayScore < state.awayScore, !isReview {
            let shown = "\(action.homeScore)–\(action.awayScore) after \(state.homeScore)–\(state.awayScore)"
            if dropIsStale(action, at: index) {
                glitch(.staleScore, "\(action.label): \(shown), shown again later; its score is ignored")
                action.homeScore = max(action.homeScore, state.homeScore)
                action.awayScore = max(action.awayScore, state.awayScore)
            } else {
                glitch(.scoreTakenBack, "\(action.label): \(shown) and the provider keeps it; a correction precedes the play")
                takenBack = true
            }
        }

        if beforeItsStart {
            // NBA lists the substitutions made between periods, already numbered with the next
            // period, before that period's "Period Start": they happen while the game is still at
            // the end of the previous period (or at halftime), and are published that way.
            if state.period >= 1, !periodEnded {
                synthesizePeriodEnd(occurredAtMs: action.occurredAtMs)
                if state.period == 2 { synthesizeHalftime(occurredAtMs: action.occurredAtMs) }
            }
            action.period = state.period
            action.clockMs = state.clockMs
            if takenBack { emitTakenBack(before: action) }
            emit(&action, kind: Self.eventKind(of: action.kind))
            return
        }
        if action.period > state.period {
            enterPeriod(action.period, occurredAtMs: action.occurredAtMs)
            if action.kind == .periodStart {
                if takenBack { emitTakenBack(before: action) }
                emit(&action, kind: .periodStart, clockMs: action.clockMs ?? periodLengthMs(action.period))
                return
            }
            synthesizePeriodStart(action.period, occurredAtMs: action.occurredAtMs)
        }
        if takenBack { emitTakenBack(before: action) }

        switch action.kind {
        case .review(let overturned):
            if action.homeScore < state.homeScore || action.awayScore < state.awayScore || overturned {
                emit(&action, kind: .correction)
            } else {
                emit(&action, kind: .other)
            }
        case .periodEnd:
            emit(&action, kind: .periodEnd, clockMs: 0)
            periodEnded = true
            if state.period == 2 { synthesizeHalftime(occurredAtMs: action.occurredAtMs) }
        case .gameEnd:
            if !periodEnded { synthesizePeriodEnd(occurredAtMs: action.occurredAtMs) }
            emit(&action, kind: .statusChange, clockMs: 0, status: .final)
        case .periodStart:
            emit(&action, kind: .periodStart, clockMs: action.clockMs ?? periodLengthMs(action.period))
        default:
            emit(&action, kind: Self.eventKind(of: action.kind))
        }
    }

    /// Whether the lower score of the play at `index` is stale: the provider shows the game's
    /// score again before its next scoring play (by a play that scores nothing, or by that scoring
    /// play on top of the game's score), or, with no scoring play left, in its header. A play
    /// that lowers one side while raising the other (a basket credited to the other team) is
    /// never stale.
    private mutating func dropIsStale(_ drop: borrowing PlayAction, at index: Int) -> Bool {
        if drop.homeScore > state.homeScore || drop.awayScore > state.awayScore { return false }
        if ahead[index].nextScoring == nil { decidedPastTheEnd = true }
        let homeDropped = drop.homeScore < state.homeScore
        let awayDropped = drop.awayScore < state.awayScore
        func restores(home: UInt32, away: UInt32) -> Bool {
            (!homeDropped || home >= state.homeScore) && (!awayDropped || away >= state.awayScore)
        }
        let next = ahead[index]
        // A play that scores nothing before the next scoring play shows the score again. The
        // highest scores ahead decide at once when one side dropped; when both did, one play
        // must show both, and the plays are looked at only when the highest scores allow it.
        if restores(home: next.highestHome, away: next.highestAway) {
            if !homeDropped || !awayDropped { return true }
            if showsBothAgain(after: index, before: next.nextScoring ?? ordered.endIndex) { return true }
        }
        if let scoring = next.nextScoring {
            let later = ordered[scoring]
            let points = Self.points(of: later.kind)
            let total = UInt64(later.homeScore) + UInt64(later.awayScore)
            let before = total - min(UInt64(points), total)
            return restores(home: later.homeScore, away: later.awayScore)
                && before >= UInt64(state.homeScore) + UInt64(state.awayScore)
        }
        guard let score = header.score else { return false }
        return restores(home: score.home, away: score.away)
    }

    /// Whether a play after `index` and before `end` (plays that score nothing) shows both sides
    /// of the game's score again; looks at each play at most once for one score.
    private mutating func showsBothAgain(after index: Int, before end: Int) -> Bool {
        let (home, away) = (state.homeScore, state.awayScore)
        if let look = lastLook, look.home == home, look.away == away, look.start < index, index < look.index {
            // The last look began before `index` within the same plays and found its first
            // match at look.index (or none up to there, the end).
            return look.found
        }
        let found = ordered[(index + 1)..<end].firstIndex { $0.homeScore >= home && $0.awayScore >= away }
        lastLook = (home, away, index, found ?? end, found != nil)
        return found != nil
    }

    /// For each play of `ordered`, what follows it up to the next scoring play, in one pass
    /// from the end.
    private static func lookingAhead(_ ordered: [PlayAction]) -> [Ahead] {
        var ahead = [Ahead](repeating: Ahead(), count: ordered.count)
        var following = Ahead()
        for index in ordered.indices.reversed() {
            ahead[index] = following
            if points(of: ordered[index].kind) > 0 {
                following = Ahead(nextScoring: index)
            } else {
                following.highestHome = max(following.highestHome, ordered[index].homeScore)
                following.highestAway = max(following.highestAway, ordered[index].awayScore)
            }
        }
        return ahead
    }

    /// The points a play scores by its kind.
    static func points(of kind: PlayAction.Kind) -> UInt32 {
        switch kind {
        case .basket(let value): value
        case .freeThrow: 1
        default: 0
        }
    }

    /// Closes the game as the provider's header says and returns the events, or every reason
    /// to reject the payload.
    ///
    /// A live (or halftime) header ahead of the plays brings the game to its period, score and
    /// period end (a header behind the plays is older than them and changes nothing); a final header always
    /// wins: its score by a correction, its end by the period's end and "final".
    mutating func finish() -> [FeedError] {
        if errors.isEmpty, state.period >= 1 {
            switch header.status {
            case .final: reconcileWithFinalHeader()
            case .live, .halftime: reconcileWithLiveHeader()
            default: break
            }
        }
        if errors.isEmpty {
            // Built to obey them; each was checked anyway as it was added (``publish(_:)``), as
            // the last line of defence before publishing.
            errors = ruleViolations
        }
        return errors
    }

    private mutating func reconcileWithLiveHeader() {
        // Held plays are newer than the state reached; the header is brought in with them.
        guard state.status != .final, heldBackPlays == 0 else { return }
        var ahead = false
        if header.period > state.period, holdsUnstartedPeriods {
            // The header's period has no start play yet: the game stays in the break before it.
            holdBack(plays: 0, occurredAtMs: lastOccurredAtMs)
            return
        }
        if header.period > state.period {
            ahead = true
            enterPeriod(header.period, occurredAtMs: lastOccurredAtMs)
            synthesizePeriodStart(header.period, occurredAtMs: lastOccurredAtMs)
        }
        if let score = header.score, score.home > state.homeScore || score.away > state.awayScore {
            ahead = true
            correctToHeader(home: max(score.home, state.homeScore), away: max(score.away, state.awayScore), clockMs: header.clockMs)
        }
        if header.periodEnded, header.period == state.period, !periodEnded {
            ahead = true
            synthesizePeriodEnd(occurredAtMs: lastOccurredAtMs)
            if state.period == 2 { synthesizeHalftime(occurredAtMs: lastOccurredAtMs) }
        }
        if ahead {
            glitch(.headerAhead, "the header shows \(Self.describe(header)) ahead of the plays; brought to it")
        }
    }

    private mutating func reconcileWithFinalHeader() {
        if state.status != .final {
            if closesWithAPlay {
                glitch(.missingEnd, "the header says final but the plays stop in period \(state.period); the end is added")
            }
            if header.period > state.period {
                enterPeriod(header.period, occurredAtMs: lastOccurredAtMs)
                synthesizePeriodStart(header.period, occurredAtMs: lastOccurredAtMs)
            }
        }
        if let score = header.score, score.home != state.homeScore || score.away != state.awayScore {
            glitch(
                .finalScoreDiffers,
                "the header's final score is \(score.home)–\(score.away), the plays end at \(state.homeScore)–\(state.awayScore); the header wins"
            )
            correctToHeader(home: score.home, away: score.away, clockMs: state.status == .final ? 0 : state.clockMs)
        }
        if state.status != .final {
            if !periodEnded { synthesizePeriodEnd(occurredAtMs: lastOccurredAtMs) }
            synthesize(.statusChange, tag: "final", description: "Final", status: .final, clockMs: 0)
        }
    }

    /// A correction bringing the score to the header's.
    private mutating func correctToHeader(home: UInt32, away: UInt32, clockMs: UInt32) {
        state.homeScore = home
        state.awayScore = away
        synthesize(
            .correction,
            tag: "header@\(home)-\(away)-p\(state.period)",
            description: "Score brought to the provider's \(home)–\(away)",
            status: state.status,
            clockMs: clockMs,
            clockRunning: state.status == .live && !periodEnded && clockMs > 0
        )
    }

    static func describe(_ header: Header) -> String {
        let score = header.score.map { "\($0.home)–\($0.away)" } ?? "no score"
        return "\(score) in period \(header.period)"
    }

    /// Stops at a period whose start play is not listed (see ``holdsUnstartedPeriods``): the
    /// period before it ends (as it would when the period opened), and `plays` plays, this one and
    /// the rest, wait.
    private mutating func holdBack(plays: Int = 1, occurredAtMs: Int64) {
        if state.period >= 1, !periodEnded {
            synthesizePeriodEnd(occurredAtMs: occurredAtMs)
            if state.period == 2 { synthesizeHalftime(occurredAtMs: occurredAtMs) }
        }
        heldBackPlays = max(plays, heldBackPlays)
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
                clockMs: periodLengthMs(period),
                occurredAtMs: occurredAtMs
            )
        }
        state.period = period
        periodEnded = false
    }

    /// The clock at the start of `period` in the game's league.
    private func periodLengthMs(_ period: UInt32) -> UInt32 {
        GameClock.periodLengthMs(period, leagueID: header.leagueID)
    }

    private mutating func synthesizePeriodStart(_ period: UInt32, occurredAtMs: Int64) {
        synthesize(
            .periodStart,
            tag: "start-p\(period)",
            description: "Start of the \(PeriodNames.name(of: period))",
            clockMs: periodLengthMs(period),
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
        clockRunning: Bool = false,
        occurredAtMs: Int64? = nil
    ) {
        let sourceId = "\(syntheticPrefix)-\(tag)"
        guard seenSourceIds.insert(sourceId).inserted else {
            fail("the plays imply \"\(description)\" twice")
            return
        }
        if let status { state.status = status }
        state.clockMs = clockMs
        state.clockRunning = clockRunning
        publish(
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

    /// Publishes `action` as an event of `kind`; its texts are moved into the event (the caller
    /// is done with them).
    private mutating func emit(
        _ action: inout PlayAction,
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
        let points = kind == .correction ? 0 : Self.points(of: action.kind)
        publish(
            Event(
                gameId: gameId,
                sourceId: Self.take(&action.sourceId),
                kind: kind,
                teamId: Self.take(&action.teamId),
                points: points,
                player: Self.take(&action.player),
                description: Self.take(&action.description),
                state: state,
                occurredAtMs: action.occurredAtMs > 0 ? action.occurredAtMs : lastOccurredAtMs
            )
        )
    }

    /// The text, leaving "" behind: moved, without a retain and a release.
    private static func take(_ text: inout String) -> String {
        var taken = ""
        swap(&taken, &text)
        return taken
    }

    /// The correction before a play whose lower score the provider keeps: the sides that went
    /// down are lowered to the play's, then the play is published as what it is.
    private mutating func emitTakenBack(before action: PlayAction) {
        var correction = action
        correction.sourceId = "\(action.sourceId)-correction"
        guard seenSourceIds.insert(correction.sourceId).inserted else {
            fail("\(action.label): the correction before it would reuse the play id \(correction.sourceId)")
            return
        }
        correction.homeScore = min(state.homeScore, action.homeScore)
        correction.awayScore = min(state.awayScore, action.awayScore)
        correction.description = "Score corrected to \(correction.homeScore)–\(correction.awayScore)"
        correction.kind = .other
        emit(&correction, kind: .correction)
    }

    private mutating func fail(_ reason: String) {
        errors.append(FeedError(reason))
    }

    private mutating func glitch(_ kind: FeedGlitch.Kind, _ detail: String) {
        let count = glitchCounts[kind, default: 0] + 1
        glitchCounts[kind] = count
        if count < FeedRejection.maximumReasons { keptGlitches.append(FeedGlitch(kind, detail)) }
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
