public import Foundation
import Testing

/// The provider fixtures committed with the tests, found relative to this file:
/// `<repo>/Tests/Fixtures` (their provenance is in `Tests/Fixtures/SOURCES.md`).
public enum Fixtures {
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    public static let nbaPlayByPlay = "nba_cdn/dblackrun__pbpstats/pbp/live_0022000001.json"
    public static let nbaBoxscore = "nba_cdn/dblackrun__pbpstats/game_details/live_0022000001.json"
    public static let nbaScoreboardPlayoffs = "nba_cdn/dliu713__nba-scores-website/todaysScoreboard_00.json"
    public static let nbaScoreboardPlayIn = "nba_cdn/mythiipanda__dime/nba_scoreboard.json"
    public static let espnSummary = "espn/smythmyke__bragging_rights/espn_nba_summary.json"
    /// The same game captured live in the 4th quarter, with a stale score (a minimal edit: SOURCES.md).
    public static let espnSummaryLive = "espn/smythmyke__bragging_rights/espn_nba_summary_live_q4.edited.json"
    public static let espnScoreboardFinal = "espn/aaronweldy__espn-openapi/nba_scoreboard.json"
    public static let espnScoreboardDay = "espn/aaronweldy__espn-openapi/nba_scoreboard_20241215.json"
    public static let espnScoreboardPreseason = "espn/smythmyke__bragging_rights/espn_nba_scoreboard.json"
    /// A WNBA scoreboard (two finals, 2025-07-06) without a `leagues` member.
    public static let espnWNBAScoreboard = "espn/ostepan8__wnba-analytics-engine/espn_scoreboard.json"
    /// A men's college basketball scoreboard (the 2026 First Four, two scheduled games), raw.
    public static let espnCollegeScoreboard = "espn/calvin-seamons__march-madness-2026/espn_scoreboard.json"
    public static let sportradarFullGame =
        "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.json"
    public static let sportradarScheduled =
        "sportradar/stattleship__sportradar/basketball_nba_games_558105d3-f58a-47c0-8232-e2d3693b091f_pbp.json"
    /// The XML form of ``sportradarFullGame``, derived from it by `derive_sportradar_xml.py`.
    public static let sportradarFullGameXML =
        "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.derived.xml"
    /// ``sportradarFullGameXML`` made a WNBA game's by the edit of ``WNBAFixtures/sportradar(editing:)``
    /// (written by `derive_sportradar_xml.py` too): the XML form of that JSON.
    public static let sportradarWNBAGameXML =
        "sportradar/stattleship__sportradar/basketball_nba_games_0b33d607-fc51-4ef0-b06a-111064074ca9_pbp.wnba.derived.xml"
    /// Sportradar's real XML of a scheduled game (UTA v SAS), byte for byte.
    public static let sportradarScheduledXML = "sportradar/beneggett__sportradar-api/pbp_future.xml"
    /// Sportradar's real XML of CHA v TOR cut after its fifth event and made a live capture (stated edits).
    public static let sportradarLiveXML = "sportradar/beneggett__sportradar-api/pbp_regulation_q1.edited.xml"
    /// NBA live data's boxscore of a WNBA game (IND v LVA, 2025-07-24), its header fields.
    public static let wnbaBoxscore = "nba_cdn/swar__nba_api/boxscore_1022500153.json"
    /// A hand-written TheSportsDB livescore of NBA and WNBA games in play (the real ones below
    /// hold only NBA games not started yet).
    public static let theSportsDBLivescore = "thesportsdb/handwritten/livescore_basketball.sample.json"
    /// TheSportsDB's real v2 `livescore/all` (every sport, 2026-10-05 20:09 UTC), byte for byte.
    public static let theSportsDBLivescoreAll = "thesportsdb/RohanG27__thesportsdbLibrary/v2_livescore_all.json"
    /// TheSportsDB's real v1 `livescore.php` of the same games 21 minutes later, byte for byte.
    public static let theSportsDBLivescoreV1Later = "thesportsdb/RohanG27__thesportsdbLibrary/v1_livescore_league_ignored.json"

    /// The absolute path of a fixture; records a clear failure (and throws) when it is missing.
    public static func path(_ relativePath: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            Issue.record(
                "Fixture directory \(directory.path) is missing: the provider fixtures are committed in Tests/Fixtures."
            )
            throw FixtureMissing(path: directory.path)
        }
        let url = directory.appendingPathComponent(relativePath)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            Issue.record("Fixture \(url.path) is missing or unreadable.")
            throw FixtureMissing(path: url.path)
        }
        return url.path
    }

    /// The bytes of a fixture.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path(relativePath))))
    }

    /// A fixture parsed with Foundation, for counting things in the raw JSON independently of the
    /// adapters, or for editing it.
    public static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(bytes(relativePath)))
    }

    /// Serialises an edited fixture back to bytes.
    public static func encode(_ object: Any) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: object))
    }
}

public struct FixtureMissing: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "missing fixture: \(path)" }
}
