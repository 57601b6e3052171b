import CourtsideProto
import FeedSources
import Foundation
import TestSupport
import Testing

/// A live NBA play-by-play cut between a period's first substitutions (numbered with the new
/// period) and its "Period Start": with the builder's hold, those plays wait for the payload that
/// lists the start, so every cut publishes a beginning of what the whole file publishes; without
/// it, the cut opens the period itself.
@Suite struct HeldPeriodTests {
    static func actions() throws -> [Any] {
        let root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? [String: Any])
        return try #require((root["game"] as? [String: Any])?["actions"] as? [Any])
    }

    /// The game's entry once final (its boxscore), and as a live poll reads it: the status only.
    static func entries() throws -> (final: ScoreboardGame, live: ScoreboardGame) {
        let final = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.bytes(Fixtures.nbaBoxscore)), "boxscore")
        var live = final
        live.game.status = .live
        live.state = GameState(status: .live)
        live.periodEnded = false
        return (final, live)
    }

    static func cut(_ actions: [Any], _ count: Int) throws -> [UInt8] {
        try Fixtures.encode(
            JSONEdit.setting(try Fixtures.json(Fixtures.nbaPlayByPlay), ["game", "actions"], to: Array(actions.prefix(count))))
    }

    @Test func aCutBeforeAPeriodsStartPublishesABeginningOfTheWholeGame() throws {
        let actions = try Self.actions()
        let (final, live) = try Self.entries()
        let whole = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(try Self.cut(actions, actions.count), game: final), "whole")
        // Periods 2, 3 and 4 begin with substitutions (actions 143, 309, 472) before their start
        // play (149, 313, 476); cut at every point around them.
        var opened = 0
        for count in Array(140...152) + Array(306...316) + Array(469...479) {
            let payload = try Self.cut(actions, count)
            let held = try TestSupport.accepted(
                NBAPlayByPlayAdapter.parse(payload, game: live, holdingUnstartedPeriods: true), "cut at \(count)")
            #expect(held.events == Array(whole.events.prefix(held.events.count)), "cut at \(count) is not a beginning of the game")
            #expect(!held.events.contains { $0.sourceId.contains("-start-p") }, "cut at \(count) opened a period itself")
            if let last = held.events.last?.state { #expect(held.state == last, "cut at \(count)") }
            let unheld = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(payload, game: live), "cut at \(count), not held")
            if unheld.events.contains(where: { $0.sourceId.contains("-start-p") }) { opened += 1 }
        }
        #expect(opened > 0, "no cut opens a period without the hold: the test proves nothing")
        // The break is published: cut among the substitutions made at halftime, the game is at halftime.
        let atHalftime = try TestSupport.accepted(
            NBAPlayByPlayAdapter.parse(try Self.cut(actions, 311), game: live, holdingUnstartedPeriods: true), "cut at 311")
        #expect(atHalftime.state.status == .halftime && atHalftime.state.period == 2)
    }

    @Test func aFinalGameIsNeverHeld() throws {
        let actions = try Self.actions()
        let (final, _) = try Self.entries()
        let payload = try Self.cut(actions, actions.count)
        let plain = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(payload, game: final), "whole")
        let held = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(payload, game: final, holdingUnstartedPeriods: true), "whole, held")
        #expect(held.events == plain.events && held.state == plain.state && held.state.status == .final)
        // A final header with plays cut before a period's start: closed by the header, not held.
        let cut = try TestSupport.accepted(
            NBAPlayByPlayAdapter.parse(try Self.cut(actions, 311), game: final, holdingUnstartedPeriods: true), "cut, final")
        #expect(cut.state.status == .final)
    }
}
