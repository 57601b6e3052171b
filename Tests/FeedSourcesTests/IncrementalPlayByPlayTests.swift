import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// A play-by-play followed poll after poll (``IncrementalPlayByPlay``) gives, after every poll,
/// exactly what a fresh read of that poll's payload gives (the adapters' `parse`): for the real
/// NBA live data and ESPN summaries cut into growing prefixes, and for polls where the provider
/// edits, deletes, reorders or repeats plays, with headers live, ahead of the plays or final.
@Suite struct IncrementalPlayByPlayTests {
    typealias Object = [String: Any]

    /// One poll's payload: the fixture with `plays` in place of its play list, keys sorted (so that
    /// an unchanged play is encoded to the same bytes in every payload).
    static func payload(_ root: Object, _ path: [String], _ plays: [Object]) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: JSONEdit.setting(root, path, to: plays), options: [.sortedKeys]))
    }

    /// The same payloads for a growing prefix of one play list, from plays encoded once each: the
    /// fixture is encoded once with a marker for its play list, and each payload splices the
    /// plays' bytes in, byte for byte what `payload` gives (Foundation's writer re-encoding the
    /// whole game at every poll was most of this suite's time).
    struct PrefixPayloads {
        let head: [UInt8]
        let tail: [UInt8]
        let plays: [[UInt8]]

        init(_ root: Object, _ path: [String], _ plays: [Object]) throws {
            let marker = Array("[\"courtside-play-list\"]".utf8)
            let bytes = try IncrementalPlayByPlayTests.payload(root, path, [])
            let template = [UInt8](
                try JSONSerialization.data(
                    withJSONObject: JSONEdit.setting(root, path, to: ["courtside-play-list"]), options: [.sortedKeys]))
            let start = try #require(template.indices.first { template[$0...].starts(with: marker) })
            head = Array(template[...start])
            tail = Array(template[(start + marker.count - 1)...])
            #expect(head + tail == bytes, "the empty play list splices to what the writer gives")
            self.plays = try plays.map { [UInt8](try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) }
        }

        func payload(first count: Int) -> [UInt8] {
            var bytes = head
            for (index, play) in plays.prefix(count).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += play
            }
            return bytes + tail
        }
    }

    static func nbaFixture() throws -> (root: Object, actions: [Object]) {
        let root = try #require(try Fixtures.json(Fixtures.nbaPlayByPlay) as? Object)
        return (root, try #require((root["game"] as? Object)?["actions"] as? [Object]))
    }

    static func espnFixture(_ path: String = Fixtures.espnSummary) throws -> (root: Object, plays: [Object]) {
        let root = try #require(try Fixtures.json(path) as? Object)
        return (root, try #require(root["plays"] as? [Object]))
    }

    /// The score of the last play (by order number) of `actions`, as a live header shows it,
    /// `ahead` points ahead for the home side.
    static func liveHeader(_ base: ScoreboardGame, _ actions: [Object], ahead: UInt32) -> ScoreboardGame {
        var entry = base
        let last = actions.max { ($0["orderNumber"] as? Int ?? 0) < ($1["orderNumber"] as? Int ?? 0) }
        entry.state.homeScore = (UInt32(last?["scoreHome"] as? String ?? "") ?? 0) + ahead
        entry.state.awayScore = UInt32(last?["scoreAway"] as? String ?? "") ?? 0
        entry.state.period = UInt32(last?["period"] as? Int ?? 1)
        return entry
    }

    /// Tallies how the polls were built, and checks each against a fresh read.
    struct Tally {
        var paths: [IncrementalPlayByPlay.Path] = []
        var accepted = 0

        mutating func record(
            _ incremental: FeedResult<GameFeed>, _ fresh: FeedResult<GameFeed>, _ path: IncrementalPlayByPlay.Path, poll: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(incremental == fresh, "poll \(poll) (\(path)) differs from a fresh read", sourceLocation: sourceLocation)
            paths.append(path)
            if case .success = fresh { accepted += 1 }
        }

        func count(_ path: IncrementalPlayByPlay.Path) -> Int { paths.filter { $0 == path }.count }
    }

    // MARK: Growing prefixes

    @Test func nbaGrowingPrefixesEqualAFreshReadAfterEveryPoll() async throws {
        let (root, actions) = try Self.nbaFixture()
        let (final, live) = try HeldPeriodTests.entries()
        let payloads = try PrefixPayloads(root, ["game", "actions"], actions)
        #expect(payloads.payload(first: actions.count) == (try Self.payload(root, ["game", "actions"], actions)))
        var random = TestRandom(seed: 15)
        for header in ["final", "live", "live-at-last-play"] {
            // About 40 polls per header: the steps vary, so every kind of cut is met over the runs.
            var memo = IncrementalPlayByPlay()
            var tally = Tally()
            var count = 0
            while count < actions.count {
                // Long and synchronous: other suites' async tests get the threads between polls.
                await Task.yield()
                let added = min(actions.count - count, 1 + random.below(count < 40 ? 3 : 28))
                count += added
                let plays = Array(actions.prefix(count))
                let entry =
                    header == "final" ? final : header == "live" ? live : Self.liveHeader(live, plays, ahead: UInt32(random.below(2) * 2))
                let bytes = payloads.payload(first: count)
                let holding = entry.game.status != .final
                let incremental = memo.nba(bytes, game: entry, holdingUnstartedPeriods: holding)
                if memo.lastPath == .extended {
                    #expect(memo.playsRead == added, "only the new actions are read")
                }
                tally.record(
                    incremental, NBAPlayByPlayAdapter.parse(bytes, game: entry, holdingUnstartedPeriods: holding), memo.lastPath,
                    poll: count)
                // The same payload again: nothing is read.
                let again = memo.nba(bytes, game: entry, holdingUnstartedPeriods: holding)
                #expect(memo.playsRead == 0 && again == incremental, "poll \(count) repeated")
            }
            #expect(tally.accepted == tally.paths.count, "\(header): every prefix of the real game is accepted")
            // Extended except where a period's start or a held period needs the game built anew.
            #expect(
                tally.count(.extended) * 10 >= tally.paths.count * 8,
                "\(header): \(tally.count(.extended)) of \(tally.paths.count) extended")
        }
    }

    @Test func espnGrowingPrefixesEqualAFreshReadAfterEveryPoll() async throws {
        var random = TestRandom(seed: 16)
        // The final game, and the live capture whose plays carry a stale score (the glitch corpus).
        for path in [Fixtures.espnSummary, Fixtures.espnSummaryLive] {
            let (root, plays) = try Self.espnFixture(path)
            let payloads = try PrefixPayloads(root, ["plays"], plays)
            #expect(payloads.payload(first: plays.count) == (try Self.payload(root, ["plays"], plays)))
            var memo = IncrementalPlayByPlay()
            var tally = Tally()
            var count = 0
            while count < plays.count {
                await Task.yield()
                let added = min(plays.count - count, 1 + random.below(24))
                count += added
                let bytes = payloads.payload(first: count)
                let incremental = memo.espn(bytes)
                if memo.lastPath == .extended { #expect(memo.playsRead == added) }
                tally.record(incremental, ESPNSummaryAdapter.parse(bytes), memo.lastPath, poll: count)
            }
            #expect(tally.accepted == tally.paths.count, "\(path): every prefix is accepted")
            #expect(
                tally.count(.extended) * 10 >= tally.paths.count * 7, "\(path): \(tally.count(.extended)) of \(tally.paths.count) extended")
        }
    }

    // MARK: Edits, deletions, reorderings, repeats

    /// What a provider does to its play list between two polls.
    enum Change: CaseIterable {
        case grow, repoll, lowerAScore, moveAClock, rescindABasket, editAText, delete, swap, repeatAPlay
    }

    /// For each seed, polls 70 payloads of random changes to the real plays (`scoreKeys`: the
    /// running score's members; `edits`: how the provider moves a clock, rescinds a basket and
    /// edits a text) and checks each against a fresh read; each seed's polls must take both paths.
    static func randomPolls(
        seeds: ClosedRange<UInt64>, source: [Object], scoreKeys: (String, String),
        edits: [Change: (inout Object, inout TestRandom) -> Void],
        poll: (inout IncrementalPlayByPlay, [Object], inout TestRandom) throws -> (FeedResult<GameFeed>, FeedResult<GameFeed>)
    ) async throws {
        for seed in seeds {
            let tally = try await randomPolls(seed: seed, rounds: 70, source: source, scoreKeys: scoreKeys, edits: edits, poll: poll)
            #expect(tally.count(.extended) > 0 && tally.count(.rebuilt) > 0 && tally.accepted > 0, "seed \(seed): \(tally.paths)")
        }
    }

    static func randomPolls(
        seed: UInt64, rounds: Int, source: [Object], scoreKeys: (String, String),
        edits: [Change: (inout Object, inout TestRandom) -> Void],
        poll: (inout IncrementalPlayByPlay, [Object], inout TestRandom) throws -> (FeedResult<GameFeed>, FeedResult<GameFeed>)
    ) async throws -> Tally {
        var random = TestRandom(seed: seed)
        var memo = IncrementalPlayByPlay()
        var tally = Tally()
        var plays = Array(source.prefix(60))
        var cursor = plays.count
        for round in 0..<rounds {
            let roll = random.below(100)
            let change: Change =
                roll < 55 ? .grow : roll < 60 ? .repoll : Change.allCases[2 + random.below(Change.allCases.count - 2)]
            switch change {
            case .grow:
                let next = min(source.count, cursor + 1 + random.below(6))
                plays += source[cursor..<next]
                cursor = next
            case .repoll: break
            case .delete: plays.remove(at: random.below(plays.count))
            case .swap:
                let index = random.below(plays.count - 1)
                plays.swapAt(index, random.below(2) == 0 ? index + 1 : random.below(plays.count))
            case .repeatAPlay: plays.append(plays[random.below(plays.count)])
            case .lowerAScore:
                let index = random.below(plays.count)
                let key = random.below(2) == 0 ? scoreKeys.0 : scoreKeys.1
                let score = Int("\(plays[index][key] ?? 0)") ?? 0
                plays[index][key] = plays[index][key] is String ? "\(max(0, score - 2))" as Any : max(0, score - 2) as Any
            case .moveAClock, .rescindABasket, .editAText:
                edits[change]?(&plays[random.below(plays.count)], &random)
            }
            let (incremental, fresh) = try poll(&memo, plays, &random)
            await Task.yield()
            tally.record(incremental, fresh, memo.lastPath, poll: round)
        }
        return tally
    }

    @Test func nbaEditsDeletionsReorderingsAndRepeatsEqualAFreshReadAfterEveryPoll() async throws {
        let (root, actions) = try Self.nbaFixture()
        let (final, live) = try HeldPeriodTests.entries()
        try await Self.randomPolls(
            seeds: 1...2, source: actions, scoreKeys: ("scoreHome", "scoreAway"),
            edits: [
                .moveAClock: { $0["clock"] = String(format: "PT%02dM%02d.00S", $1.below(12), $1.below(60)) },
                .rescindABasket: { action, _ in action["shotResult"] = "Missed" },
                .editAText: { $0["description"] = "edited \($1.below(1000))" },
            ]
        ) { memo, plays, random in
            let entry = random.below(3) == 0 ? final : Self.liveHeader(live, plays, ahead: UInt32(random.below(3)))
            let holding = entry.game.status != .final
            let bytes = try Self.payload(root, ["game", "actions"], plays)
            return (
                memo.nba(bytes, game: entry, holdingUnstartedPeriods: holding),
                NBAPlayByPlayAdapter.parse(bytes, game: entry, holdingUnstartedPeriods: holding)
            )
        }
    }

    @Test func espnEditsDeletionsReorderingsAndRepeatsEqualAFreshReadAfterEveryPoll() async throws {
        let (root, plays) = try Self.espnFixture()
        try await Self.randomPolls(
            seeds: 4...5, source: plays, scoreKeys: ("homeScore", "awayScore"),
            edits: [
                .moveAClock: { $0["clock"] = ["displayValue": "\($1.below(12)):\(10 + $1.below(50))"] },
                .rescindABasket: { play, _ in play["scoringPlay"] = false },
                .editAText: { $0["text"] = "edited \($1.below(1000))" },
            ]
        ) { memo, plays, _ in
            let bytes = try Self.payload(root, ["plays"], plays)
            return (memo.espn(bytes), ESPNSummaryAdapter.parse(bytes))
        }
    }

    // MARK: What is published

    @Test func aBasketRescindedAfterItWasPublishedBecomesACorrectionAsOnAFreshRead() throws {
        let (root, actions) = try Self.nbaFixture()
        let (_, live) = try HeldPeriodTests.entries()
        let first = Array(actions.prefix(200))
        // The provider takes back a made basket it listed: a miss, and every later score lowered.
        let made = try #require(
            first.indices.last { first[$0]["shotResult"] as? String == "Made" && first[$0]["actionType"] as? String == "2pt" })
        var edited = Array(actions.prefix(210))
        edited[made]["shotResult"] = "Missed"
        let side = edited[made]["scoreHome"] as? String == edited[made - 1]["scoreHome"] as? String ? "scoreAway" : "scoreHome"
        for index in made..<edited.count {
            edited[index][side] = "\((Int(edited[index][side] as? String ?? "") ?? 0) - 2)"
        }
        var memo = IncrementalPlayByPlay()
        var published = (incremental: PublishedPlays(gameId: live.game.id), fresh: PublishedPlays(gameId: live.game.id))
        var updates: [(PublishedPlays.Update, PublishedPlays.Update)] = []
        for plays in [first, edited] {
            let entry = Self.liveHeader(live, plays, ahead: 0)
            let bytes = try Self.payload(root, ["game", "actions"], plays)
            let incremental = try TestSupport.accepted(memo.nba(bytes, game: entry, holdingUnstartedPeriods: true), "incremental")
            let fresh = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(bytes, game: entry, holdingUnstartedPeriods: true), "fresh")
            #expect(incremental == fresh)
            updates.append((published.incremental.update(with: incremental), published.fresh.update(with: fresh)))
        }
        // Read again: the rescinded basket, the 200 - made actions whose scores it lowered, the 10 new ones.
        #expect(memo.lastPath == .rebuilt && memo.playsRead == edited.count - made, "\(memo.playsRead) actions read")
        let (incremental, fresh) = try #require(updates.last)
        #expect(incremental.events == fresh.events && incremental.revisedPlays == fresh.revisedPlays)
        #expect(incremental.revisedPlays == ["nba-0022000001-\(edited[made]["actionNumber"] as? Int ?? -1)"])
        #expect(incremental.events.contains { $0.kind == .correction }, "the score is corrected, never silently diverges")
    }
}
