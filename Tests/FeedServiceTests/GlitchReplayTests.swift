import CourtsideProto
import FeedService
import FeedSources
import Foundation
import TestSupport
import Testing

/// The glitch corpus replayed through real schedule and score services: the game is published
/// whole, the score service stores every event once and ends in the provider's state, and each
/// glitch is counted by kind.
@Suite(.serialized) struct GlitchReplayTests {
    typealias Object = [String: Any]

    /// Replays `file` (and `boxscore`) and checks the stored game against `state` and the glitch
    /// counters against `glitches`.
    func replay(
        _ kind: FeedSourceKind,
        file: String,
        boxscore: String = "",
        gameId: String,
        state: GameState,
        glitches: [FeedGlitch.Kind: Double]
    ) async throws {
        let services = try await Services()
        try await services.startScore()
        let feed = try services.feed(kind) { configuration in
            configuration.replay.file = file
            configuration.replay.boxscore = boxscore
            configuration.replay.speed = 1_000_000
        }
        services.start(feed)
        do {
            try await services.waitUntilDelivered(feed)
            let snapshot = try #require(try await services.snapshots([gameId])[gameId])
            #expect(snapshot.state?.homeScore == state.homeScore && snapshot.state?.awayScore == state.awayScore)
            #expect(snapshot.state?.period == state.period && snapshot.state?.status == state.status)
            let stored = try await services.events(of: gameId)
            #expect(Set(stored.map(\.sourceId)).count == stored.count, "an event stored twice")
            #expect(metric(feed, "courtside_feed_events_published_total") == Double(stored.count))
            #expect(metric(feed, "courtside_feed_events_refused_total") == 0)
            #expect(metric(feed, "courtside_feed_rejected_payloads_total") == 0)
            for kind in FeedGlitch.Kind.allCases {
                #expect(metric(feed, "courtside_feed_glitches_total", ["kind": kind.rawValue]) == glitches[kind] ?? 0, "\(kind)")
            }
        } catch {
            await services.stop()
            throw error
        }
        await services.stop()
    }

    /// Writes an edited payload to a temporary file and returns its path.
    func temporaryFile(_ object: Any) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glitch-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url.path
    }

    static func nbaPayload() throws -> (root: Object, actions: [Object], boxscore: Object) {
        let root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? Object)
        let actions = try #require((root["game"] as? Object)?["actions"] as? [Object])
        let boxscore = try #require(try Fixtures.json(Fixtures.nbaBoxscore) as? Object)
        return (root, actions, boxscore)
    }

    static func with(_ root: Object, actions: [Object]) -> Object {
        var root = root
        var game = root["game"] as? Object ?? [:]
        game["actions"] = actions
        root["game"] = game
        return root
    }

    static func with(_ boxscore: Object, home: Int, away: Int) -> Object {
        var boxscore = boxscore
        var game = boxscore["game"] as? Object ?? [:]
        for (side, score) in [("homeTeam", home), ("awayTeam", away)] {
            var team = game[side] as? Object ?? [:]
            team["score"] = score
            game[side] = team
        }
        boxscore["game"] = game
        return boxscore
    }

    @Test func liveESPNCaptureEndsLiveAtTheHeadersScore() async throws {
        try await replay(
            .espnSummary,
            file: try Fixtures.path(Fixtures.espnSummaryLive),
            gameId: "espn-401585135",
            state: GameState(homeScore: 118, awayScore: 114, period: 4, status: .live),
            glitches: [.staleScore: 1, .headerAhead: 1]
        )
    }

    @Test func nbaGameWithSeveralGlitchesEndsAtTheBoxscoresFinal() async throws {
        let (root, actions, boxscore) = try Self.nbaPayload()
        var edited = actions
        // BKN's first basket (action 12, order 120000) is taken back from the next action on.
        for index in edited.indices where (edited[index]["orderNumber"] as? Int ?? 0) > 120_000 {
            edited[index]["scoreHome"] = String((Int(edited[index]["scoreHome"] as? String ?? "") ?? 0) - 2)
        }
        // The 41st action listed twice in a row; a foul after the game's end.
        var copy = edited[40]
        copy["orderNumber"] = (copy["orderNumber"] as? Int ?? 0) + 1
        edited.insert(copy, at: 41)
        var late = try #require(edited.first { $0["actionType"] as? String == "foul" })
        late["actionNumber"] = 9100
        late["orderNumber"] = 9_000_000
        late["period"] = 4
        late["clock"] = "PT00M00.00S"
        late["scoreHome"] = "123"
        late["scoreAway"] = "99"
        edited.append(late)
        // The boxscore's final is one point more than the plays (a late stat correction).
        let file = try temporaryFile(Self.with(root, actions: edited))
        let box = try temporaryFile(Self.with(boxscore, home: 124, away: 99))
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: box)
        }
        try await replay(
            .nbaPlayByPlay, file: file, boxscore: box,
            gameId: "nba-0022000001",
            state: GameState(homeScore: 124, awayScore: 99, period: 4, status: .final),
            glitches: [.scoreTakenBack: 1, .duplicatePlay: 1, .playAfterEnd: 1, .finalScoreDiffers: 1]
        )
    }

    @Test func nbaGameThatEndedWhileItsPlaysWereNotFollowedReachesFinal() async throws {
        let (root, actions, _) = try Self.nbaPayload()
        let sorted = actions.sorted { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }
        let cut = try #require(sorted.firstIndex { $0["period"] as? Int == 3 }) + 40
        let file = try temporaryFile(Self.with(root, actions: Array(sorted.prefix(cut))))
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await replay(
            .nbaPlayByPlay, file: file, boxscore: try Fixtures.path(Fixtures.nbaBoxscore),
            gameId: "nba-0022000001",
            state: GameState(homeScore: 125, awayScore: 99, period: 4, status: .final),
            glitches: [.missingEnd: 1, .finalScoreDiffers: 1]
        )
    }
}
