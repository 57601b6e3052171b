public import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC

/// How the score service applies ``ScoreRules`` to publish requests: every event names its game
/// and carries the source's id and the game's state after it, and follows the state before it.
extension ScoreRules {
    /// Largest number of events accepted in one publish request.
    public static let maximumBatchSize = RequestLimits.eventsPerBatch

    /// Checks the fields of one event, on its own. `index` names it in the error.
    public static func checkFields(_ event: Event, index: Int) throws(RPCError) {
        func invalid(_ why: String) -> RPCError {
            RPCError(
                .invalidArgument,
                "event \(index) (game '\(FieldCheck.shown(event.gameId))', source id '\(FieldCheck.shown(event.sourceId))'): \(why)"
            )
        }
        if event.gameId.isEmpty { throw invalid("game_id is required") }
        if let problem = FieldCheck.identifierProblem(event.gameId, maximumBytes: RequestLimits.gameIDBytes) {
            throw invalid("game_id: \(problem)")
        }
        if event.sourceId.isEmpty { throw invalid("source_id is required (it makes publishing idempotent)") }
        if let problem = FieldCheck.textProblem(event.sourceId, maximumBytes: RequestLimits.sourceIDBytes) {
            throw invalid("source_id: \(problem)")
        }
        if !event.teamId.isEmpty, let problem = FieldCheck.identifierProblem(event.teamId, maximumBytes: RequestLimits.teamIDBytes) {
            throw invalid("team_id: \(problem)")
        }
        if let problem = FieldCheck.textProblem(event.player, maximumBytes: RequestLimits.playerBytes) {
            throw invalid("player: \(problem)")
        }
        if let problem = FieldCheck.textProblem(event.description, maximumBytes: RequestLimits.descriptionBytes, allowsControl: true) {
            throw invalid("description: \(problem)")
        }
        if let problem = FieldCheck.timestampProblem(event.occurredAtMs) { throw invalid("occurred_at_ms: \(problem)") }
        guard let state = event.state else { throw invalid("state (the game's state after the event) is required") }
        if event.kind == .unspecified || EventKind.allDefined.firstIndex(of: event.kind) == nil {
            throw invalid("kind \(event.kind) is not a known event kind")
        }
        if state.status == .unspecified || GameStatus.allDefined.firstIndex(of: state.status) == nil {
            throw invalid("state.status \(state.status) is not a known game status")
        }
        if event.points > RequestLimits.maximumPoints {
            throw invalid("points must be 0–\(RequestLimits.maximumPoints), got \(event.points)")
        }
        if state.clockMs > RequestLimits.maximumClockMs { throw invalid("state.clock_ms \(state.clockMs) is more than an hour") }
        if state.period > RequestLimits.maximumPeriod {
            throw invalid("state.period \(state.period) is not plausible (at most \(RequestLimits.maximumPeriod))")
        }
    }

    /// Checks an event's clock against its game's league (nil: a league Courtside does not
    /// know, which keeps the hour of ``checkFields(_:index:)``): at most the length of the
    /// event's period, a regulation period or an overtime (``PeriodRules``).
    public static func checkClock(_ event: Event, leagueID: String?, index: Int) throws(RPCError) {
        guard let leagueID, let state = event.state else { return }
        let rules = PeriodRules.forLeague(leagueID)
        guard !rules.clockFits(state.clockMs, period: state.period) else { return }
        let kind = rules.isOvertime(state.period) ? "an overtime" : "a regulation period"
        throw RPCError(
            .invalidArgument,
            "event \(index) (game '\(FieldCheck.shown(event.gameId))', source id '\(FieldCheck.shown(event.sourceId))'): "
                + "state.clock_ms \(state.clockMs) is longer than \(kind) of league '\(leagueID.isEmpty ? Leagues.nba.id : leagueID)' "
                + "(period \(state.period) lasts \(rules.lengthMs(ofPeriod: state.period)) ms)"
        )
    }

    /// Checks an event against the state of its game before it (nil: the game has no events yet).
    public static func checkTransition(from previous: GameState?, to event: Event, index: Int) throws(RPCError) {
        guard let previous, let next = event.state else { return }
        func refused(_ why: String) -> RPCError {
            RPCError(
                .failedPrecondition,
                "event \(index) (game '\(FieldCheck.shown(event.gameId))', source id '\(FieldCheck.shown(event.sourceId))'): \(why)"
            )
        }
        // The rules list what is broken in a fixed order; the first is the client's error.
        switch violations(from: previous, to: next, kind: event.kind).first {
        case nil:
            return
        case .afterFinal(let kind):
            throw refused("the game is final: only a correction may follow, not \(kind)")
        case .homeScoreDown(let from, let to):
            throw refused("home score goes down from \(from) to \(to) outside a correction")
        case .awayScoreDown(let from, let to):
            throw refused("away score goes down from \(from) to \(to) outside a correction")
        case .periodBackwards(let from, let to):
            throw refused("period goes backwards from \(from) to \(to)")
        }
    }
}
