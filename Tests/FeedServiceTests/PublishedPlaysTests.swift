import CourtsideDomain
import CourtsideProto
import FeedSources
import Testing

@testable import FeedService

/// What a live play-by-play adds at each poll: every play once, whatever the polls and restarts,
/// and a correction when the provider takes back a play already published.
@Suite struct PublishedPlaysTests {
    @Test func growingPrefixesPublishWhatAReplayOfTheWholeFilePublishes() throws {
        let actions = try PlayByPlayFixture.actions()
        let full = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(actions), entry: try PlayByPlayFixture.finalEntry())
        let live = try PlayByPlayFixture.liveEntry()
        var published = PublishedPlays(gameId: full.game.id)
        var events: [Event] = []
        // Every 23 actions, and cuts among the substitutions NBA lists before a period's start play.
        let periodStarts = actions.indices.filter {
            let action = actions[$0] as? [String: Any]
            return action?["actionType"] as? String == "period" && action?["subType"] as? String == "start" && $0 > 0
        }
        #expect(periodStarts.count == 3)
        let cuts = Set(stride(from: 1, to: actions.count, by: 23)).union(periodStarts.flatMap { [$0 - 2, $0, $0 + 1] })
        for count in cuts.sorted() {
            let prefix = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(Array(actions.prefix(count))), entry: live)
            let update = published.update(with: prefix)
            #expect(update.revisedPlays.isEmpty && update.latePlays == 0 && update.behind == 0, "after \(count) actions")
            events += update.events
            #expect(published.update(with: prefix).events.isEmpty, "the same payload again adds nothing")
        }
        #expect(!events.contains { $0.state?.status == .final }, "live payloads never end the game")
        events += published.update(with: full).events
        #expect(events.map(\.sourceId) == full.events.map(\.sourceId))
        #expect(events == full.events)
        #expect(published.state == full.state)
        #expect(published.update(with: full).events.isEmpty)
    }

    @Test func aRestartPublishesOnlyWhatTheScoreServiceDoesNotHave() throws {
        let full = try PlayByPlayFixture.feed(
            try PlayByPlayFixture.payload(try PlayByPlayFixture.actions()), entry: try PlayByPlayFixture.finalEntry())
        var published = PublishedPlays(gameId: full.game.id, stored: Array(full.events.prefix(250)))
        #expect(published.update(with: full).events == Array(full.events.dropFirst(250)))
    }

    @Test func aBasketTheProviderDeletesBecomesOneCorrectionToItsScore() throws {
        let actions = try PlayByPlayFixture.actions()
        let live = try PlayByPlayFixture.liveEntry()
        // The last made basket within the first 200 actions: published, then taken out.
        let basket = try #require(
            actions.prefix(200).lastIndex {
                ($0 as? [String: Any])?["shotResult"] as? String == "Made"
                    && ($0 as? [String: Any])?["actionType"] as? String != "freethrow"
            })
        let before = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(Array(actions.prefix(basket + 1))), entry: live)
        let after = try PlayByPlayFixture.feed(try PlayByPlayFixture.payload(Array(actions.prefix(basket))), entry: live)
        var published = PublishedPlays(gameId: before.game.id)
        _ = published.update(with: before)
        let scored = try #require(before.events.last)
        #expect(scored.points > 0)

        let update = published.update(with: after)
        #expect(update.revisedPlays == [scored.sourceId])
        let correction = try #require(update.events.first)
        #expect(update.events.count == 1)
        #expect(correction.kind == .correction)
        let anchor = try #require(after.events.last)
        #expect(correction.sourceId == "\(anchor.sourceId)-revised@\(after.state.homeScore)-\(after.state.awayScore)")
        #expect(correction.state?.homeScore == after.state.homeScore && correction.state?.awayScore == after.state.awayScore)
        #expect(ScoreRules.violations(in: before.events + update.events).isEmpty, "the score goes down only in the correction")
        #expect(published.update(with: after).events.isEmpty, "the correction is made once")

        // A restart meets the same payload: the same correction id, which the score service folds.
        var restarted = PublishedPlays(gameId: before.game.id, stored: before.events)
        #expect(restarted.update(with: after).events.map(\.sourceId) == [correction.sourceId])
    }
}

/// What a poll revises of the published scoring plays, with hand-made feeds: the plays still
/// there as they were are found from the scoring events alone; any other change is looked up
/// event by event.
@Suite struct PublishedRevisionTests {
    static func feed(_ plays: [(id: String, points: UInt32, team: String)]) -> GameFeed {
        var home: UInt32 = 0
        var away: UInt32 = 0
        let events = plays.map { play in
            if play.team == "H" { home += play.points } else { away += play.points }
            return Event(
                gameId: "g", sourceId: play.id, kind: play.points > 0 ? .basket : .rebound, teamId: play.team, points: play.points,
                state: GameState(homeScore: home, awayScore: away, period: 1, status: .live))
        }
        return GameFeed(
            game: Game(id: "g", homeTeamId: "H", awayTeamId: "A", status: .live), events: events,
            state: events.last?.state ?? GameState())
    }

    static let published: [(id: String, points: UInt32, team: String)] = [("p1", 2, "H"), ("p2", 0, "A"), ("p3", 3, "A")]

    @Test func theSamePlaysReviseNothing() {
        var plays = PublishedPlays(gameId: "g")
        #expect(plays.update(with: Self.feed(Self.published)).events.count == 3)
        let again = plays.update(with: Self.feed(Self.published))
        #expect(again.revisedPlays.isEmpty && again.events.isEmpty)
        // A new scoring play after them revises nothing either.
        let grown = plays.update(with: Self.feed(Self.published + [("p4", 2, "H")]))
        #expect(grown.revisedPlays.isEmpty && grown.events.map(\.sourceId) == ["p4"])
    }

    @Test(
        arguments: [
            // A basket that became a miss (same id, no points), one credited to the other team, one
            // worth another number of points, one taken out.
            ([("p1", 2, "H"), ("p2", 0, "A"), ("p3", 0, "A")], ["p3"]),
            ([("p1", 2, "A"), ("p2", 0, "A"), ("p3", 3, "A")], ["p1"]),
            ([("p1", 3, "H"), ("p2", 0, "A"), ("p3", 3, "A")], ["p1"]),
            ([("p2", 0, "A"), ("p3", 3, "A")], ["p1"]),
            ([("p1", 0, "H"), ("p2", 2, "A"), ("p3", 2, "A")], ["p1", "p3"]),
        ] as [([(String, UInt32, String)], [String])])
    func aChangedOrDeletedScoringPlayIsRevised(plays: [(String, UInt32, String)], revised: [String]) {
        var published = PublishedPlays(gameId: "g")
        _ = published.update(with: Self.feed(Self.published))
        let update = published.update(with: Self.feed(plays.map { (id: $0.0, points: $0.1, team: $0.2) }))
        #expect(update.revisedPlays == revised)
        #expect(update.events.contains { $0.kind == .correction }, "the published score is brought to the provider's")
    }
}
