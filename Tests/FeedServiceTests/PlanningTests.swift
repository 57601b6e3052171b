import CourtsideDomain
import CourtsideProto
import FeedSources
import Testing

@testable import FeedService

/// The pure parts: the simulator's slate, the scoreboard baseline, URLs, rejection reasons.
@Suite struct PlanningTests {
    @Test func theDefaultSeedIsTheSlatesDate() {
        var settings = SimulatorSettings()
        settings.startTimeMs = 1_765_000_000_000  // 2025-12-06T05:46:40Z, still the 6th in New York
        let slate = SimulatorSlate(settings: settings, nowMs: 0)
        #expect(slate.date == "2025-12-06")
        #expect(slate.config.seed == 20_251_206)
        #expect(slate.idPrefix == "sim-20251206-20251206-nba-wnba-")
        #expect(slate.game(0).game.id == "sim-20251206-20251206-nba-wnba-1")
        #expect(slate.index(of: "sim-20251206-20251206-nba-wnba-12") == 11)
        #expect(slate.index(of: "sim-20251205-20251206-nba-wnba-1") == nil)
        #expect(slate.index(of: "sim-20251206-20251206-12") == nil, "a game of an NBA-only slate")
        #expect(slate.index(of: "nba-0022000001") == nil)
    }

    /// The default slate alternates NBA and WNBA games, each between two teams of its own league
    /// (ids unique across leagues: the Fever are wnba-IND, the Pacers IND), each played with its
    /// league's periods; an NBA-only slate keeps the ids it always had.
    @Test func theDefaultSlateAlternatesTheNBAAndTheWNBA() {
        var settings = SimulatorSettings()
        settings.startTimeMs = 1_765_000_000_000
        let slate = SimulatorSlate(settings: settings, nowMs: 0)
        let games = (0..<40).map { slate.game($0) }
        for (index, simulated) in games.enumerated() {
            let game = simulated.game
            let seeded = index.isMultiple(of: 2) ? SeedTeams.nba : SeedTeams.wnba
            #expect(game.leagueId == (index.isMultiple(of: 2) ? "" : "wnba"), "\(game.id)")
            #expect(seeded.ids.contains(game.homeTeamId) && seeded.ids.contains(game.awayTeamId), "\(game.id)")
            #expect(game.homeTeamId != game.awayTeamId)
            #expect(game.venue == seeded.all.first { $0.id == game.homeTeamId }?.arena)
            let teams = Set(simulated.events.map(\.teamId)).subtracting([""])
            #expect(teams == [game.homeTeamId, game.awayTeamId], "\(game.id): \(teams)")
            let longestPeriodMs = index.isMultiple(of: 2) ? 720_000 : 600_000
            #expect(simulated.events.filter { $0.kind == .periodStart }.first?.state?.clockMs == UInt32(longestPeriodMs))
            #expect(simulated.events.allSatisfy { ($0.state?.clockMs ?? 0) <= longestPeriodMs })
            #expect(simulated.finalState.status == .final)
        }
        // Descriptions name teams by tricode, never by id.
        let wnba = games[1]
        let code = String(wnba.game.homeTeamId.dropFirst("wnba-".count))
        #expect(wnba.events.first?.description.hasSuffix(" at \(code)") == true, "\(wnba.events.first?.description ?? "")")
        #expect(!wnba.events.contains { $0.description.contains("wnba-") })
        // Within a league, no team plays twice in a round of half its teams.
        for (first, size) in [(0, 15), (1, 6)] {
            let round = stride(from: first, to: first + 2 * size, by: 2).flatMap { [games[$0].game.homeTeamId, games[$0].game.awayTeamId] }
            #expect(Set(round).count == round.count)
        }

        settings.leagues = [Leagues.nba]
        let nbaOnly = SimulatorSlate(settings: settings, nowMs: 0)
        #expect(nbaOnly.idPrefix == "sim-20251206-20251206-")
        #expect(nbaOnly.game(0).game.id == "sim-20251206-20251206-1")
        #expect(nbaOnly.index(of: "sim-20251206-20251206-12") == 11)
        #expect((0..<15).allSatisfy { nbaOnly.game($0).game.leagueId.isEmpty })
    }

    @Test func tipOffsAreStaggeredAroundTheStart() {
        var settings = SimulatorSettings()
        settings.startTimeMs = 1_765_000_000_000
        let slate = SimulatorSlate(settings: settings, nowMs: 0)
        let lengths = (0..<6).map { slate.game($0).timeline.last?.wallOffsetMs ?? 0 }
        // Speed 24 with breaks: a game takes about five and a half minutes (an NBA one; a WNBA
        // one, 40 minutes of play, a little less).
        #expect(lengths.allSatisfy { (4 * 60_000...8 * 60_000).contains($0) }, "\(lengths) ms")
        #expect(slate.staggerMs == (lengths[0] / 3 + lengths[1] / 2) / 2)
        let offsets = (0..<6).map(slate.freshTipOffOffsetMs)
        #expect(offsets == [-3, -2, -1, 0, 1, 2].map { $0 * slate.staggerMs })
        #expect(-offsets[0] > lengths[0], "the first game is over at start-up")
        #expect((1...3).allSatisfy { -offsets[$0] < lengths[$0] }, "the next three are live at start-up")
    }

    @Test func theBaselineTakesTheScoreServicesStates() {
        let game = Game(id: "g", homeTeamId: "BOS", awayTeamId: "NYK", startTimeMs: 1, date: "2025-01-01", status: .live)
        let other = Game(id: "h", homeTeamId: "MIA", awayTeamId: "LAL", startTimeMs: 1, date: "2025-01-01", status: .scheduled)
        let scoreboard = ScoreboardSnapshot(games: [
            ScoreboardGame(game: game, state: GameState(homeScore: 20, awayScore: 18, period: 2, clockMs: 300_000, status: .live)),
            ScoreboardGame(game: other, state: GameState(status: .scheduled)),
        ])
        let stored = [
            "g": Snapshot(
                gameId: "g", position: Position(epoch: 1, seq: 40),
                state: GameState(homeScore: 12, awayScore: 10, period: 1, clockMs: 60_000, status: .live)
            ),
            "h": Snapshot(gameId: "h", position: Position(epoch: 1, seq: 0), state: GameState(status: .scheduled)),
        ]
        let baseline = ScoreboardBaseline.seed(scoreboard, from: stored)
        #expect(baseline.games.map(\.game.id) == ["g"], "a game without events is a first sighting")
        #expect(baseline["g"]?.state.homeScore == 12)
        let diff = ScoreboardDiffer.diff(from: baseline, to: scoreboard)
        #expect(diff.events.map(\.kind) == [.periodEnd, .periodStart, .other, .other], "only what changed since the stored state")
        #expect(ScoreboardBaseline.periodEnded(GameState(period: 2, clockMs: 0, status: .live)))
        #expect(!ScoreboardBaseline.periodEnded(GameState(period: 2, clockMs: 5, status: .live)))
        #expect(ScoreboardBaseline.periodEnded(GameState(period: 2, status: .halftime)))
    }

    @Test func urls() throws {
        let plain = try #require(HTTPURL("http://127.0.0.1:8080/apis/scoreboard?dates=20241215"))
        #expect(!plain.isTLS && plain.host == "127.0.0.1" && plain.port == 8080)
        #expect(plain.target == "/apis/scoreboard?dates=20241215" && plain.hostHeader == "127.0.0.1:8080" && plain.hostIsAddress)
        let tls = try #require(HTTPURL("https://cdn.nba.com/static/json/liveData/scoreboard/todaysScoreboard_00.json"))
        #expect(tls.isTLS && tls.port == 443 && tls.hostHeader == "cdn.nba.com" && !tls.hostIsAddress)
        #expect(HTTPURL("https://example.com")?.target == "/")
        #expect(tls.resolving("/other.json")?.description == "https://cdn.nba.com/other.json")
        #expect(tls.resolving("http://b.example/x")?.description == "http://b.example/x")
        for bad in ["", "ftp://x/y", "cdn.nba.com/x", "http://", "http://host:99999/"] {
            #expect(HTTPURL(bad) == nil, "\(bad)")
        }
    }

    @Test func rejectionReasons() {
        #expect(PayloadRejection.reason(of: [FeedError("x", category: .truncated)]) == "truncated")
        #expect(PayloadRejection.reason(of: [FeedError("x", category: .malformed)]) == "malformed")
        #expect(PayloadRejection.reason(of: [FeedError("x", category: .empty)]) == "empty")
        #expect(PayloadRejection.reason(of: [FeedError("x", category: .tooLarge)]) == "too_large")
        #expect(PayloadRejection.reason(of: [FeedError("x", category: .unknownTeam)]) == "unknown_team")
        #expect(PayloadRejection.reason(of: [FeedError("events[0].status.period: expected a number")]) == "invalid")
        // The label never comes from the payload's text.
        #expect(PayloadRejection.reason(of: [FeedError("unknown status \"truncated\" (invalid JSON)")]) == "invalid")
        #expect(PayloadRejection.reason(of: [FeedError("a"), FeedError("b", category: .unknownTeam)]) == "unknown_team")
    }

    @Test func backoffDoublesUpToItsMaximum() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(400))
        let waits = (0..<5).map { _ in backoff.next() }
        let bounds: [(Duration, Duration)] = [(80, 120), (160, 240), (320, 480), (320, 480), (320, 480)].map {
            (.milliseconds($0.0), .milliseconds($0.1))
        }
        for (wait, bound) in zip(waits, bounds) { #expect(wait >= bound.0 && wait <= bound.1) }
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(120))
    }
}
