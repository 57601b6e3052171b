import CourtsideDomain
import CourtsideProto
import Testing

@testable import FeedSources

/// An NBA action's type words and tricode are matched as the payload's bytes when they are short
/// ASCII strings, and read as text otherwise: both ways must read every action the same.
@Suite struct NBAActionWordsTests {
    // MARK: ASCIIWord

    @Test func wordsFoldOnlyASCIILettersAndOnlyWhenAsked() {
        func word(_ text: String, lowercasing: Bool) -> ASCIIWord? {
            var text = text
            return text.withUTF8 { ASCIIWord($0, lowercasing: lowercasing) }
        }
        #expect(word("FreeThrow", lowercasing: true) == ASCIIWord("freethrow"))
        #expect(word("FreeThrow", lowercasing: false) != ASCIIWord("freethrow"))
        #expect(word("2PT", lowercasing: true) == ASCIIWord("2pt"))
        // Not letters: "@" and "[" sit beside "A" and "Z" and stay as they are.
        #expect(word("@[", lowercasing: true) == ASCIIWord("@["))
        #expect(word("instantreplay", lowercasing: true)?.text == "instantreplay")
        #expect(word("sixteen-letters!", lowercasing: true)?.text == "sixteen-letters!")
        #expect(word("seventeen-letters", lowercasing: true) == nil, "longer than a word")
        #expect(word("fouł", lowercasing: true) == nil, "not ASCII")
        #expect(word("", lowercasing: true) == ASCIIWord.empty)
        #expect(ASCIIWord("abc") != ASCIIWord("abcd") && ASCIIWord("abc") != ASCIIWord("abd"))
        // Bytes past the eighth are compared too.
        #expect(ASCIIWord("substitution") != ASCIIWord("substitutiom"))
    }

    // MARK: Actions

    static let header = ScoreboardGame(
        game: Game(id: "nba-0022000001", homeTeamId: "BKN", awayTeamId: "GSW", leagueId: "nba"),
        state: GameState(status: .live)
    )

    /// The action `{ … }` (members given as JSON text) read as a play-by-play's action.
    static func read(_ members: String, teams: inout NBAPlayByPlayAdapter.TeamCodes) throws(FeedError) -> PlayAction {
        let text = #"{"orderNumber": 10, "actionNumber": 7, "period": 1, "clock": "PT11M50.00S", "scoreHome": "0", "scoreAway": "0", "#
        let root = try JSONNode.parse(Array((text + members + "}").utf8))
        return try NBAPlayByPlayAdapter.action(root, gameId: "nba-0022000001", header: Self.header, teams: &teams).1
    }

    static func read(_ members: String) throws(FeedError) -> PlayAction {
        var teams = NBAPlayByPlayAdapter.TeamCodes()
        return try read(members, teams: &teams)
    }

    @Test(arguments: [
        // Bytes as providers send them, other cases, escapes (read as text) and non-ASCII.
        (#""actionType": "2pt", "shotResult": "Made""#, PlayAction.Kind.basket(points: 2)),
        (#""actionType": "3PT", "shotResult": "MADE""#, .basket(points: 3)),
        (#""actionType": "3pt", "shotResult": "Missed""#, .miss(freeThrow: false)),
        (#""actionType": "freethrow", "subType": "1 of 2", "shotResult": "made""#, .freeThrow),
        (#""actionType": "fre\u0065throw", "shotResult": "Made""#, .freeThrow),
        (#""actionType": "FreeThrow", "shotResult": "Mi\u0073sed""#, .miss(freeThrow: true)),
        (#""actionType": "period", "subType": "start""#, .periodStart),
        (#""actionType": "Period", "subType": "END""#, .periodEnd),
        (#""actionType": "period", "subType": "\u0065nd""#, .periodEnd),
        (#""actionType": "period", "subType": null"#, .other),
        (#""actionType": "game", "subType": "end""#, .gameEnd),
        (#""actionType": "game""#, .other),
        (#""actionType": "jumpball", "subType": "recovered", "descriptor": "startperiod""#, .jumpBall),
        (#""actionType": "rebound", "subType": "defensive""#, .rebound),
        (#""actionType": "turnover", "subType": "out-of-bounds", "descriptor": "bad pass""#, .turnover),
        (#""actionType": "foul", "subType": "personal", "descriptor": "shooting""#, .foul),
        (#""actionType": "violation""#, .violation),
        (#""actionType": "timeout", "subType": "full""#, .timeout),
        (#""actionType": "Substitution", "subType": "in""#, .substitution),
        (#""actionType": "substitution-extended-type""#, .other),
        (#""actionType": "fouł""#, .other),
        (#""actionType": "instantreplay", "subType": "challenge", "descriptor": "support""#, .review(overturned: false)),
        (#""actionType": "challenge", "subType": "Overturned""#, .review(overturned: true)),
        // "overturn" past a word's sixteen bytes still counts.
        (#""actionType": "review", "descriptor": "coach-challenge-call-overturned""#, .review(overturned: true)),
        (#""actionType": "REVIEW", "subType": "stands", "descriptor": "ruling-on-the-floor-stands""#, .review(overturned: false)),
    ])
    func kindsAreReadAlikeFromBytesAndFromText(members: String, kind: PlayAction.Kind) throws {
        #expect(try Self.read(members).kind == kind, "\(members)")
    }

    @Test func anActionWithoutADescriptionIsDescribedByItsTypeWordsLowered() throws {
        #expect(try Self.read(#""actionType": "Timeout", "subType": "FULL""#).description == "timeout full")
        #expect(try Self.read(#""actionType": "ti\u006deout", "subType": "Full""#).description == "timeout full")
        #expect(try Self.read(#""actionType": "violation""#).description == "violation")
        #expect(try Self.read(#""actionType": "foul", "description": "K. Irving FOUL""#).description == "K. Irving FOUL")
    }

    @Test(arguments: [
        (#""actionType": 2"#, "expected a string, found a number"),
        (#""subType": "start""#, "expected a string, found nothing"),
        (#""actionType": "period", "subType": 1"#, "expected a string, found a number"),
        (#""actionType": "foul", "descriptor": ["shooting"]"#, "expected a string, found an array"),
        (#""actionType": "2pt""#, "expected a string, found nothing"),
        (#""actionType": "2pt", "shotResult": "blocked""#, "unknown shot result \"blocked\""),
        (#""actionType": "freethrow", "shotResult": 1"#, "expected a string, found a number"),
        (#""actionType": "rebound", "teamTricode": 5"#, "expected a string, found a number"),
        (#""actionType": "rebound", "teamTricode": "LAL""#, "team \"LAL\" is neither BKN nor GSW"),
    ])
    func badTypeWordsAndTricodesAreRefusedWithTheirPlace(members: String, failure: String) {
        #expect {
            try Self.read(members)
        } throws: { error in
            "\(error)".contains(failure)
        }
    }

    @Test func tricodesAreMatchedByTheirBytesOnceKnown() throws {
        var teams = NBAPlayByPlayAdapter.TeamCodes()
        let first = try Self.read(#""actionType": "rebound", "teamTricode": "GSW""#, teams: &teams)
        #expect(first.teamId == "GSW")
        #expect(teams.id(of: ASCIIWord("GSW")) == "GSW", "remembered")
        #expect(try Self.read(#""actionType": "rebound", "teamTricode": "GSW""#, teams: &teams).teamId == "GSW")
        // Another spelling of the same team is looked up as text, and remembered as it is spelled.
        #expect(try Self.read(#""actionType": "rebound", "teamTricode": "gsw""#, teams: &teams).teamId == "GSW")
        #expect(try Self.read(#""actionType": "rebound", "teamTricode": "\u0042KN""#, teams: &teams).teamId == "BKN")
        #expect(teams.id(of: ASCIIWord("gsw")) == "GSW" && teams.id(of: ASCIIWord("BKN")) == "BKN")
        #expect(try Self.read(#""actionType": "rebound", "teamTricode": """#, teams: &teams).teamId == "")
        #expect(try Self.read(#""actionType": "rebound", "teamTricode": null"#, teams: &teams).teamId == "")
        #expect(throws: FeedError.self) { try Self.read(#""actionType": "rebound", "teamTricode": "LAL""#, teams: &teams) }
    }

    @Test func aGameOfManySpellingsRemembersAFewAndStillReadsTheRest() throws {
        var teams = NBAPlayByPlayAdapter.TeamCodes()
        let spellings = ["GSW", "gsw", "Gsw", "gSw", "gsW", "GSw", "GsW", "gSW", " GSW", "GSW ", "  GSW"]
        for spelling in spellings {
            #expect(try Self.read(#""actionType": "rebound", "teamTricode": "\#(spelling)""#, teams: &teams).teamId == "GSW")
        }
        #expect(teams.id(of: ASCIIWord("gSW")) == "GSW", "the eighth is remembered")
        #expect(teams.id(of: ASCIIWord(" GSW")) == nil, "the ninth is not: a game has two teams")
    }
}
