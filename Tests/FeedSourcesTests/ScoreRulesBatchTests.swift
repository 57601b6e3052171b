import CourtsideDomain
import CourtsideProto
import Testing

@testable import FeedSources

/// The batch check keeps the game of the last event apart from the others: a batch of several
/// games (a scoreboard poll's events), in any order, is checked as game by game.
@Suite struct ScoreRulesBatchTests {
    static func event(_ game: String, _ id: String, home: UInt32, away: UInt32 = 0, period: UInt32 = 1, kind: EventKind = .other)
        -> Event
    {
        Event(gameId: game, sourceId: id, kind: kind, state: GameState(homeScore: home, awayScore: away, period: period, status: .live))
    }

    @Test func gamesInterleavedAreEachCheckedAgainstTheirOwnLastState() {
        let events = [
            Self.event("a", "1", home: 2), Self.event("b", "1", home: 10), Self.event("a", "2", home: 4),
            Self.event("b", "2", home: 12), Self.event("c", "1", home: 0), Self.event("a", "3", home: 4, period: 2),
        ]
        #expect(ScoreRules.violations(in: events).isEmpty, "the same source id in two games is no repeat")

        // Game a goes down after the check switched to b and back: still seen.
        let down = [Self.event("a", "1", home: 4), Self.event("b", "1", home: 10), Self.event("a", "2", home: 2)]
        let reasons = ScoreRules.violations(in: down).map(\.reason)
        #expect(reasons.count == 1 && reasons[0].hasPrefix("event 2 (2): score went down from 4–0 to 2–0"), "\(reasons)")
        let back = [Self.event("a", "1", home: 0, period: 2), Self.event("b", "1", home: 0), Self.event("a", "2", home: 0, period: 1)]
        #expect(ScoreRules.violations(in: back).map(\.reason) == ["event 2 (2): period went back from 2 to 1"])
    }

    @Test func aSourceIdRepeatedInOneGameIsFoundAcrossOtherGamesEvents() {
        let events = [Self.event("a", "1", home: 0), Self.event("b", "1", home: 0), Self.event("a", "1", home: 0)]
        #expect(ScoreRules.violations(in: events).map(\.reason) == ["event 2 (1): source id used twice in one batch"])
    }

    @Test func statesBeforeTheBatchAreWhereEachGameStarts() {
        let before = ["a": GameState(homeScore: 50, period: 3, status: .live), "b": GameState(homeScore: 5, period: 1, status: .live)]
        let events = [Self.event("b", "1", home: 7), Self.event("a", "1", home: 49, period: 3), Self.event("c", "1", home: 0)]
        let reasons = ScoreRules.violations(in: events, after: before).map(\.reason)
        #expect(reasons.count == 1 && reasons[0].hasPrefix("event 1 (1): score went down from 50–0 to 49–0"), "\(reasons)")
    }

    @Test func eventsWithoutAGameIdOrSourceIdOrStateAreEachNamed() {
        var noState = Self.event("a", "2", home: 0)
        noState.state = nil
        let events = [Event(gameId: "", sourceId: "x", state: GameState()), Self.event("a", "", home: 0), noState]
        #expect(
            ScoreRules.violations(in: events).map(\.reason) == [
                "event 0 (x): no game id", "event 1 (no source id): no source id", "event 2 (2): no game state",
            ])
    }
}
