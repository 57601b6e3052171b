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
