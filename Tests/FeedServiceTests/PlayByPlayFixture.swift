import CourtsideProto
import FeedSources
import Foundation
import TestSupport
import Testing

@testable import FeedService

/// The recorded NBA game (Tests/Fixtures/nba_cdn/dblackrun__pbpstats) as a live provider would
/// serve it: its play-by-play cut after the first `count` actions, read with the scoreboard
/// entry of a live or a final game.
enum PlayByPlayFixture {
    static func actions() throws -> [Any] {
        let root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? [String: Any])
        let game = try #require(root["game"] as? [String: Any])
        return try #require(game["actions"] as? [Any])
    }

    /// The play-by-play with only `actions` (an edited copy of the fixture).
    static func payload(_ actions: [Any]) throws -> [UInt8] {
        var root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? [String: Any])
        var game = try #require(root["game"] as? [String: Any])
        game["actions"] = actions
        root["game"] = game
        return try Fixtures.encode(root)
    }

    /// The game's scoreboard entry once final (from its boxscore).
    static func finalEntry() throws -> ScoreboardGame {
        switch NBABoxscoreAdapter.parse(try Fixtures.bytes(Fixtures.nbaBoxscore)) {
        case .success(let entry): return entry
        case .failure(let rejection): throw rejection
        }
    }

    /// The game's scoreboard entry while live (score and clock from some other moment).
    static func liveEntry() throws -> ScoreboardGame {
        var entry = try finalEntry()
        entry.game.status = .live
        entry.state = GameState(homeScore: 50, awayScore: 48, period: 2, clockMs: 300_000, status: .live)
        entry.periodEnded = false
        return entry
    }

    /// The game as the poller reads `payload` with `entry` (while live, the plays of a period
    /// whose start play is not listed yet held back).
    static func feed(_ payload: [UInt8], entry: ScoreboardGame) throws -> GameFeed {
        let followed = FollowedGame(entry: entry, providerGameId: "0022000001", interval: .seconds(1), now: .now)
        switch NBAPlayByPlayAdapter.parse(payload, game: followed.header, holdingUnstartedPeriods: entry.state.status != .final) {
        case .success(let feed): return feed
        case .failure(let rejection): throw rejection
        }
    }
}
