import CourtsideDomain
import CourtsideJSON
import CourtsideProto

/// Reads NBA live data's play-by-play (`liveData/playbyplay/playbyplay_<gameId>.json`):
/// `game.actions[]`.
///
/// Traps handled: actions are ordered by `orderNumber` (strictly increasing), not by
/// `actionNumber` (which has gaps and inversions) and not by `timeActual`; `scoreHome` and
/// `scoreAway` are strings; clocks are ISO-8601 durations (`PT11M58.00S`); periods 5 and up are
/// overtimes. The play-by-play does not say which team is at home, so it is read together with
/// the game's boxscore (or its scoreboard entry).
///
/// Source ids are `nba-<gameId>-<actionNumber>`: the action number is the provider's id for an
/// action and survives re-ordering.
public enum NBAPlayByPlayAdapter {
    /// Parses a play-by-play with the boxscore of the same game.
    public static func parse(_ payload: some Sequence<UInt8>, boxscore: some Sequence<UInt8>) -> FeedResult<GameFeed> {
        switch NBABoxscoreAdapter.parse(boxscore) {
        case .success(let game): parse(payload, game: game)
        case .failure(let rejection):
            .failure(FeedRejection(rejection.reasons.map { FeedError("boxscore: \($0.reason)", category: $0.category) }))
        }
    }

    /// Parses a play-by-play for a game known from its boxscore or scoreboard entry (which gives
    /// the teams and the provider's status and score, which the builder reconciles the plays with).
    ///
    /// - Parameter holdingUnstartedPeriods: whether the plays of a period whose "Period Start" is
    ///   not listed yet wait for the payload that lists it (a live game polled while it is played:
    ///   the substitutions NBA lists between periods are numbered with the next one and come
    ///   before its start). A live game is then published as a replay of the whole file publishes
    ///   it. No effect once the game is final.
    public static func parse(
        _ payload: some Sequence<UInt8>,
        game: ScoreboardGame,
        holdingUnstartedPeriods: Bool = false
    ) -> FeedResult<GameFeed> {
        var fresh = IncrementalPlayByPlay()
        return fresh.nba(Array(payload), game: game, holdingUnstartedPeriods: holdingUnstartedPeriods)
    }

    /// The play-by-play's game id (checked against the header's) and its actions, unread.
    static func actions(_ root: JSONNode, game header: ScoreboardGame) throws(FeedError) -> (gameId: String, actions: [JSONNode]) {
        let providerId = try root["game"]["gameId"].identifier()
        let gameId = "nba-\(providerId)"
        guard gameId == header.game.id else {
            throw root["game"]["gameId"].failure("play-by-play of \(gameId) read with the boxscore of \(header.game.id)")
        }
        return (gameId, try root["game"]["actions"].array(atMost: PayloadLimits.plays))
    }

    /// The members of an action that are read, found in one pass over it.
    private enum ActionMember: Int, CaseIterable {
        case orderNumber, actionNumber, period, actionType, subType, descriptor, teamTricode, shotResult, description, playerNameI,
            playerName, clock, scoreHome, scoreAway, timeActual
    }
    private static let actionMembers = JSONDocument.MemberNames(ActionMember.allCases.map { "\($0)" })

    /// The type words an action is read by, lowered: one value, read once per action (each
    /// static read of its own goes through a check that it was made).
    private struct Words {
        let twoPoints = ASCIIWord("2pt")
        let threePoints = ASCIIWord("3pt")
        let freeThrow = ASCIIWord("freethrow")
        let made = ASCIIWord("made")
        let missed = ASCIIWord("missed")
        let period = ASCIIWord("period")
        let game = ASCIIWord("game")
        let start = ASCIIWord("start")
        let end = ASCIIWord("end")
        let jumpBall = ASCIIWord("jumpball")
        let rebound = ASCIIWord("rebound")
        let turnover = ASCIIWord("turnover")
        let foul = ASCIIWord("foul")
        let violation = ASCIIWord("violation")
        let timeout = ASCIIWord("timeout")
        let substitution = ASCIIWord("substitution")
        let instantReplay = ASCIIWord("instantreplay")
        let challenge = ASCIIWord("challenge")
        let review = ASCIIWord("review")

        func isReview(_ type: ASCIIWord?) -> Bool {
            type == instantReplay || type == challenge || type == review
        }
    }
    private static let words = Words()

    /// The team ids of the tricodes met so far in a payload (two tricodes, hundreds of actions),
    /// matched by their bytes.
    struct TeamCodes {
        private var known: [(code: ASCIIWord, id: String)] = []
        /// More codes than a game's two (in any case or padding) are looked up each time.
        private static let capacity = 8

        func id(of code: ASCIIWord) -> String? {
            known.first { $0.code == code }?.id
        }

        mutating func remember(_ code: String, id: String) {
            guard known.count < Self.capacity, let word = ASCIIWord(code) else { return }
            known.append((word, id))
        }
    }

    /// The words an action's kind is read from: its type, sub-type and descriptor, lowered.
    private struct TypeWords {
        var type: ASCIIWord?
        var subType: ASCIIWord?
        var descriptor: ASCIIWord?
    }

    /// One action and its order number (actions are placed by it, equal ones in the payload's
    /// order).
    static func action(
        _ node: JSONNode, gameId: String, header: ScoreboardGame, teams: inout TeamCodes
    ) throws(FeedError) -> (Int64, PlayAction) {
        try node.object()
        let members = node.members(Self.actionMembers)
        func field(_ name: ActionMember) -> JSONNode { members[name.rawValue] }
        let known = Self.words
        let order = try members.integer(ActionMember.orderNumber.rawValue, in: 0...Int64(Int32.max))
        let number = try members.integer(ActionMember.actionNumber.rawValue, in: 0...Int64(Int32.max))
        let period = try members.period(ActionMember.period.rawValue)

        // The type words are short ASCII strings in nearly every action: compared as the
        // payload's bytes. Anything else (escapes, other types, long texts, a review, whose
        // "overturn" may be anywhere in a long descriptor) is read as text, as it always was.
        var words = TypeWords(
            type: members.word(ActionMember.actionType.rawValue, lowercasing: true),
            subType: members.optionalWord(ActionMember.subType.rawValue, lowercasing: true),
            descriptor: members.optionalWord(ActionMember.descriptor.rawValue, lowercasing: true)
        )
        var texts: (type: String, subType: String, descriptor: String)?
        if words.type == nil || words.subType == nil || words.descriptor == nil || known.isReview(words.type) {
            let read = (
                type: try field(.actionType).string().lowercased(),
                subType: (try field(.subType).optionalString() ?? "").lowercased(),
                descriptor: (try field(.descriptor).optionalString() ?? "").lowercased()
            )
            words = TypeWords(type: ASCIIWord(read.type), subType: ASCIIWord(read.subType), descriptor: ASCIIWord(read.descriptor))
            texts = read
        }

        var teamId = ""
        if let code = members.word(ActionMember.teamTricode.rawValue, lowercasing: false), !code.isEmpty, let team = teams.id(of: code) {
            teamId = team
        } else if let tricode = try field(.teamTricode).optionalString(), !tricode.isEmpty {
            // Within the game's league: the WNBA's "IND" is wnba-IND, never the Pacers.
            let leagueID = header.game.leagueId.isEmpty ? Leagues.nba.id : header.game.leagueId
            // A tricode the league's table lacks names a team of the league (created from the
            // provider's data) only where the league admits new teams.
            let seeds = SeedTeams.forLeague(leagueID)
            let id =
                seeds?.lookup(abbreviation: tricode)?.id
                ?? (seeds?.admitsNewTeams == false
                    ? "" : Leagues.teamID(leagueID: leagueID, abbreviation: tricode.trimmingASCIIWhitespace().uppercased()))
            guard !id.isEmpty, id == header.game.homeTeamId || id == header.game.awayTeamId else {
                throw field(.teamTricode).failure(
                    "team \(Excerpt.quoted(tricode)) is neither \(header.game.homeTeamId) nor \(header.game.awayTeamId)"
                )
            }
            teamId = id
            teams.remember(tricode, id: id)
        }

        let kind: PlayAction.Kind
        switch words.type {
        case known.twoPoints, known.threePoints, known.freeThrow:
            let result: ASCIIWord?
            if let plain = members.word(ActionMember.shotResult.rawValue, lowercasing: true), plain == known.made || plain == known.missed {
                result = plain
            } else {
                let text = try field(.shotResult).string().lowercased()
                guard text == "made" || text == "missed" else {
                    throw field(.shotResult).failure("unknown shot result \(Excerpt.quoted(text))")
                }
                result = ASCIIWord(text)
            }
            if words.type == known.freeThrow {
                kind = result == known.made ? .freeThrow : .miss(freeThrow: true)
            } else {
                kind = result == known.made ? .basket(points: words.type == known.threePoints ? 3 : 2) : .miss(freeThrow: false)
            }
        case known.period:
            kind = words.subType == known.start ? .periodStart : words.subType == known.end ? .periodEnd : .other
        case known.game:
            kind = words.subType == known.end ? .gameEnd : .other
        case known.jumpBall: kind = .jumpBall
        case known.rebound: kind = .rebound
        case known.turnover: kind = .turnover
        case known.foul: kind = .foul
        case known.violation: kind = .violation
        case known.timeout: kind = .timeout
        case known.substitution: kind = .substitution
        case _ where known.isReview(words.type):
            let overturned = texts.map { $0.subType.contains("overturn") || $0.descriptor.contains("overturn") } ?? false
            kind = .review(overturned: overturned)
        default: kind = .other
        }

        var description = members.text(ActionMember.description.rawValue)
        if description.isEmpty {
            let type = texts?.type ?? words.type?.text ?? ""
            let subType = texts?.subType ?? words.subType?.text ?? ""
            description = [type, subType].filter { !$0.isEmpty }.joined(separator: " ")
        }
        let initialled = members.text(ActionMember.playerNameI.rawValue)
        let player = initialled.isEmpty ? members.text(ActionMember.playerName.rawValue) : initialled
        let action = PlayAction(
            sourceId: "\(gameId)-\(number)",
            kind: kind,
            period: period,
            clockMs: try members.clockMs(ActionMember.clock.rawValue, period: period, leagueID: header.game.leagueId),
            homeScore: try members.score(ActionMember.scoreHome.rawValue),
            awayScore: try members.score(ActionMember.scoreAway.rawValue),
            teamId: teamId,
            player: player,
            description: description,
            occurredAtMs: members.timestampMs(ActionMember.timeActual.rawValue),
            label: PlayAction.Label(node: node, what: "action", id: String(number))
        )
        return (order, action)
    }
}
