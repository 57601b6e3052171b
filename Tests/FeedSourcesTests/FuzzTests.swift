import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// Truncated and mutated fixtures fed to every adapter: nothing crashes; every bad payload is
/// rejected with reasons; whatever is still accepted obeys the score service's rules.
///
/// Serialized: every case is seconds of CPU, and run side by side they would take every thread
/// of the shared pool (two on a two-core machine) from the tests that time things.
@Suite(.serialized) struct FuzzTests {
    /// What an adapter made of a payload.
    enum Outcome {
        case rejected([FeedError])
        case feed(GameFeed)
        case snapshot(ScoreboardSnapshot)
        case game(ScoreboardGame)
    }

    struct Subject: CustomTestStringConvertible, Sendable {
        let name: String
        let fixture: String
        let parse: @Sendable ([UInt8]) -> Outcome
        var testDescription: String { name }
    }

    static func outcome<T>(_ result: FeedResult<T>, _ wrap: (T) -> Outcome) -> Outcome {
        switch result {
        case .success(let value): wrap(value)
        case .failure(let rejection): .rejected(rejection.reasons)
        }
    }

    static let subjects: [Subject] = [
        Subject(name: "NBA play-by-play", fixture: Fixtures.nbaPlayByPlay) { bytes in
            let boxscore = (try? Fixtures.bytes(Fixtures.nbaBoxscore)) ?? []
            return outcome(NBAPlayByPlayAdapter.parse(bytes, boxscore: boxscore), Outcome.feed)
        },
        Subject(name: "NBA boxscore", fixture: Fixtures.nbaBoxscore) { outcome(NBABoxscoreAdapter.parse($0), Outcome.game) },
        Subject(name: "NBA scoreboard (playoffs)", fixture: Fixtures.nbaScoreboardPlayoffs) {
            outcome(NBAScoreboardAdapter.parse($0), Outcome.snapshot)
        },
        Subject(name: "NBA scoreboard (play-in)", fixture: Fixtures.nbaScoreboardPlayIn) {
            outcome(NBAScoreboardAdapter.parse($0), Outcome.snapshot)
        },
        Subject(name: "ESPN summary", fixture: Fixtures.espnSummary) { outcome(ESPNSummaryAdapter.parse($0), Outcome.feed) },
        Subject(name: "ESPN scoreboard (final)", fixture: Fixtures.espnScoreboardFinal) {
            outcome(ESPNScoreboardAdapter.parse($0), Outcome.snapshot)
        },
        Subject(name: "ESPN scoreboard (day)", fixture: Fixtures.espnScoreboardDay) {
            outcome(ESPNScoreboardAdapter.parse($0), Outcome.snapshot)
        },
        Subject(name: "ESPN scoreboard (preseason)", fixture: Fixtures.espnScoreboardPreseason) {
            outcome(ESPNScoreboardAdapter.parse($0, unknownTeams: .skipGame), Outcome.snapshot)
        },
        Subject(name: "Sportradar play-by-play", fixture: Fixtures.sportradarFullGame) {
            outcome(SportradarPlayByPlayAdapter.parse($0), Outcome.feed)
        },
        Subject(name: "Sportradar scheduled", fixture: Fixtures.sportradarScheduled) {
            outcome(SportradarPlayByPlayAdapter.parse($0), Outcome.feed)
        },
    ]

    /// Problems with an outcome for a payload that may be bad; empty when all is well.
    static func problems(with outcome: Outcome, original: Outcome) -> [String] {
        switch outcome {
        case .rejected(let reasons):
            return reasons.isEmpty || reasons.contains { $0.reason.isEmpty } ? ["rejected without a reason"] : []
        case .feed(let feed):
            var problems = ServiceRulesValidator.violations(feed.events)
            if feed.events.contains(where: { $0.gameId != feed.game.id }) { problems.append("event of another game") }
            if let last = feed.events.last?.state, last != feed.state { problems.append("state is not the last event's") }
            problems += sane(feed.state)
            return problems
        case .game(let game):
            return sane(game.state)
        case .snapshot(let snapshot):
            var problems = snapshot.games.flatMap { sane($0.state) }
            // Whatever the differ makes of the change from the original must obey the rules too.
            if case .snapshot(let before) = original {
                let states = Dictionary(before.games.map { ($0.game.id, $0.state) }, uniquingKeysWith: { first, _ in first })
                problems += ServiceRulesValidator.violationsByGame(ScoreboardDiffer.diff(from: before, to: snapshot).events, after: states)
                problems += ServiceRulesValidator.violationsByGame(ScoreboardDiffer.diff(from: nil, to: snapshot).events)
            }
            return problems
        }
    }

    static func sane(_ state: GameState) -> [String] {
        var problems: [String] = []
        if state.period > 20 { problems.append("period \(state.period)") }
        if state.clockMs > GameClock.periodLengthMs(state.period) { problems.append("clock \(state.clockMs) in period \(state.period)") }
        if state.homeScore > 999 || state.awayScore > 999 { problems.append("score \(state.homeScore)-\(state.awayScore)") }
        return problems
    }

    @Test(arguments: subjects)
    func originalsAreAccepted(subject: Subject) throws {
        let outcome = subject.parse(try Fixtures.bytes(subject.fixture))
        if case .rejected(let reasons) = outcome { Issue.record("\(subject.name) rejected: \(reasons)") }
        #expect(Self.problems(with: outcome, original: outcome).isEmpty)
    }

    @Test(arguments: subjects)
    func truncatedPayloadsAreRejected(subject: Subject) async throws {
        let bytes = try Fixtures.bytes(subject.fixture)
        let original = subject.parse(bytes)
        for fiftieth in 0..<50 {
            let prefix = Array(bytes.prefix(bytes.count * fiftieth / 50))
            let outcome = subject.parse(prefix)
            await Self.shareTheThreads()
            guard case .rejected(let reasons) = outcome else {
                Issue.record("\(subject.name): a \(fiftieth)/50 prefix was accepted")
                continue
            }
            #expect(!reasons.isEmpty && reasons.allSatisfy { !$0.reason.isEmpty })
            #expect(Self.problems(with: outcome, original: original).isEmpty)
        }
    }

    @Test(arguments: subjects)
    func flippedBytesNeverCrashOrSlipThrough(subject: Subject) async throws {
        let bytes = try Fixtures.bytes(subject.fixture)
        let original = subject.parse(bytes)
        var random = TestRandom(seed: 0xF11B)
        for round in 0..<40 {
            var mutated = bytes
            for _ in 0..<(1 + random.below(3)) {
                mutated[random.below(mutated.count)] = UInt8(truncatingIfNeeded: random.next())
            }
            let problems = Self.problems(with: subject.parse(mutated), original: original)
            #expect(problems.isEmpty, "\(subject.name) flip round \(round): \(problems.prefix(3))")
            await Self.shareTheThreads()
        }
    }

    @Test(arguments: subjects)
    func deletedKeysNeverSlipThrough(subject: Subject) async throws {
        let json = try Fixtures.json(subject.fixture)
        let original = subject.parse(try Fixtures.bytes(subject.fixture))
        let paths = Self.keyPaths(json)
        var random = TestRandom(seed: 0xDE1E7E)
        // Half the deletions hit keys the adapters read; the rest anything at all.
        let readPaths = paths.filter { ($0.last as? String).map(Self.keysTheAdaptersRead.contains) ?? false }
        for round in 0..<Self.rounds(for: subject, 40) {
            let pool = round.isMultiple(of: 2) && !readPaths.isEmpty ? readPaths : paths
            let path = pool[random.below(pool.count)]
            let outcome = subject.parse(try Fixtures.encode(JSONEdit.setting(json, path, to: nil)))
            let problems = Self.problems(with: outcome, original: original)
            #expect(problems.isEmpty, "\(subject.name) round \(round) without \(path): \(problems.prefix(3))")
            await Self.shareTheThreads()
        }
        // Deleting a structural key must be noticed.
        for key in Self.structuralKeys(of: subject.fixture) {
            let outcome = subject.parse(try Fixtures.encode(JSONEdit.setting(json, key, to: nil)))
            await Self.shareTheThreads()
            guard case .rejected(let reasons) = outcome else {
                Issue.record("\(subject.name): accepted without \(key)")
                continue
            }
            #expect(!reasons.isEmpty)
        }
    }

    @Test(arguments: subjects)
    func wrongTypesNeverSlipThrough(subject: Subject) async throws {
        let json = try Fixtures.json(subject.fixture)
        let original = subject.parse(try Fixtures.bytes(subject.fixture))
        let paths = Self.keyPaths(json)
        // Scores first (the classic trap: strings in one format, numbers in another), then anything.
        let scorePaths = paths.filter { path in
            guard let key = path.last as? String else { return false }
            return key.lowercased().contains("score") || key == "points"
        }
        let replacements: [Any] = ["abc", "", 7, -3, 12.5, 1_000_000, true, NSNull(), [1, 2], ["x": 1], "12"]
        var random = TestRandom(seed: 0x7E5)
        var cases: [([Any], Any)] = []
        for _ in 0..<(scorePaths.isEmpty ? 0 : Self.rounds(for: subject, 30)) {
            cases.append((scorePaths[random.below(scorePaths.count)], replacements[random.below(replacements.count)]))
        }
        for _ in 0..<Self.rounds(for: subject, 30) {
            cases.append((paths[random.below(paths.count)], replacements[random.below(replacements.count)]))
        }
        for (path, value) in cases {
            let outcome = subject.parse(try Fixtures.encode(JSONEdit.setting(json, path, to: value)))
            let problems = Self.problems(with: outcome, original: original)
            #expect(problems.isEmpty, "\(subject.name) with \(path) = \(value): \(problems.prefix(3))")
            await Self.shareTheThreads()
        }
    }

    /// The numbers an attacker tries: edges of every integer width, beyond what a double holds
    /// exactly, fractions, and the strings `Double(_:)` would read as NaN, infinity or hex.
    static var hostileNumbers: [Any] {
        [
            0, -1, 1 << 31, 1 << 32, 1 << 53, Int64.max, UInt64(1) << 63, UInt64.max, 1e308, -1e308, 1.5, -0.5,
            Double.leastNonzeroMagnitude,
            "NaN", "nan", "Infinity", "-inf", "1e999", "0x10", "9223372036854775808", "-0", "12 ", "١٢", true, [0], ["n": 0],
        ]
    }

    /// Every numeric field the adapters read (a number, or a string holding one), once per place
    /// in the payload's structure (`game.actions[*].scoreHome`), set to each hostile number: no
    /// crash, and whatever is accepted still obeys the score service's rules. Each field gets a
    /// third of the values, in turn, shifted by the subject's place in ``subjects``: the three
    /// ESPN scoreboards (the same fields) together try every value on every field, and the suite
    /// stays within a minute of a debug build's CPU.
    @Test(arguments: subjects)
    func hostileNumbersNeverCrashOrSlipThrough(subject: Subject) async throws {
        let json = try Fixtures.json(subject.fixture)
        let original = subject.parse(try Fixtures.bytes(subject.fixture))
        let fields = Self.numericFields(json).filter { ($0.last as? String).map(Self.keysTheAdaptersRead.contains) ?? false }
        let template = try FieldTemplate(json, fields: fields)
        let values = try Self.hostileNumbers.map(FieldTemplate.jsonText)
        let shift = Self.subjects.firstIndex { $0.name == subject.name } ?? 0
        for (index, path) in fields.enumerated() {
            for (offset, value) in values.enumerated() where offset % 3 == (index + shift) % 3 {
                let problems = Self.problems(with: subject.parse(template.bytes(setting: index, to: value)), original: original)
                #expect(problems.isEmpty, "\(subject.name) with \(path) = \(String(decoding: value, as: UTF8.self)): \(problems.prefix(3))")
                await Self.shareTheThreads()
            }
        }
    }

    /// One path per numeric leaf's place in the structure: array indices are taken as one
    /// (the first element's path stands for `[*]`).
    static func numericFields(_ json: Any) -> [[Any]] {
        var seen: Set<String> = []
        var fields: [[Any]] = []
        for path in keyPaths(json) {
            guard let leaf = JSONEdit.value(json, path), isNumeric(leaf) else { continue }
            let shape = path.map { $0 is Int ? "*" : "\($0)" }.joined(separator: ".")
            if seen.insert(shape).inserted { fields.append(path) }
        }
        return fields
    }

    static func isNumeric(_ value: Any) -> Bool {
        // JSONSerialization's booleans are NSNumbers too, of Objective-C type "c".
        if let number = value as? NSNumber { return String(cString: number.objCType) != "c" }
        if let text = value as? String { return Double(text) != nil }
        return false
    }

    @Test func scoresOfTheWrongTypeAreRejectedWithTheirPlace() throws {
        let raw = try Fixtures.json(Fixtures.nbaScoreboardPlayoffs)
        for value in ["abc", true, NSNull(), [1], -3, 12.5] as [Any] {
            let edited = JSONEdit.setting(raw, ["scoreboard", "games", 1, "homeTeam", "score"], to: value)
            let reasons = TestSupport.rejected(NBAScoreboardAdapter.parse(try Fixtures.encode(edited)), "score \(value)")
            #expect(reasons.contains { $0.hasPrefix("scoreboard.games[1].homeTeam.score:") }, "\(reasons)")
        }
        // A numeric string is a score all the same (ESPN sends them; NBA might one day).
        let text = JSONEdit.setting(raw, ["scoreboard", "games", 1, "homeTeam", "score"], to: "10")
        #expect(NBAScoreboardAdapter.parse(try Fixtures.encode(text)).value?.games[1].state.homeScore == 10)
    }

    // MARK: Helpers

    /// Fewer tree-edit rounds for the three full games (400–700 KB): re-encoding such a tree
    /// costs about 0.1 s in a debug build.
    /// Each round is pure CPU (parse a whole feed document). The tests share the concurrency
    /// pool's threads (two on a two-core machine) with every other test, including ones that time
    /// a deadline: a fuzz test must let them run between rounds, not hold a thread for seconds.
    static func shareTheThreads() async {
        await Task.yield()
    }

    static func rounds(for subject: Subject, _ rounds: Int) -> Int {
        [Fixtures.nbaPlayByPlay, Fixtures.espnSummary, Fixtures.sportradarFullGame].contains(subject.fixture) ? rounds / 2 : rounds
    }

    /// Every path to a value inside objects (array elements sampled: the first, one in the middle
    /// and the last, so that huge arrays do not dominate).
    static func keyPaths(_ value: Any, prefix: [Any] = []) -> [[Any]] {
        var paths: [[Any]] = []
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                let path = prefix + [key]
                paths.append(path)
                paths += keyPaths(object[key] as Any, prefix: path)
            }
        } else if let array = value as? [Any], !array.isEmpty {
            for index in Set([0, array.count / 2, array.count - 1]).sorted() {
                paths += keyPaths(array[index], prefix: prefix + [index])
            }
        }
        return paths
    }

    static let keysTheAdaptersRead: Set<String> = [
        "score", "homeScore", "awayScore", "scoreHome", "scoreAway", "period", "clock", "gameClock", "displayClock",
        "status", "type", "name", "state", "id", "gameId", "actionNumber", "orderNumber", "actionType", "subType",
        "shotResult", "teamTricode", "homeAway", "abbreviation", "competitors", "event_type", "statistics", "points",
        "team", "attribution", "number", "sequence", "scoringPlay", "scoreValue", "shootingPlay", "gameStatus",
        "gameStatusText", "homeTeam", "awayTeam", "home", "away", "market", "alias", "plays", "actions", "periods",
        "events", "competitions", "header", "quarter",
    ]

    /// Keys without which a payload cannot be read.
    static func structuralKeys(of fixture: String) -> [[Any]] {
        switch fixture {
        case Fixtures.nbaPlayByPlay: [["game"], ["game", "actions"], ["game", "gameId"]]
        case Fixtures.nbaBoxscore: [["game"], ["game", "homeTeam"], ["game", "gameStatus"]]
        case Fixtures.nbaScoreboardPlayoffs, Fixtures.nbaScoreboardPlayIn:
            [["scoreboard"], ["scoreboard", "games", 0, "gameId"], ["scoreboard", "games", 0, "awayTeam"]]
        case Fixtures.espnSummary: [["header"], ["header", "competitions", 0, "competitors"]]
        case Fixtures.espnScoreboardFinal, Fixtures.espnScoreboardDay, Fixtures.espnScoreboardPreseason:
            [["events"], ["events", 0, "id"], ["events", 0, "competitions"]]
        default: [["id"], ["home"], ["status"]]
        }
    }
}

/// A fixture encoded once with a placeholder in each of some fields, so that a payload with one
/// field changed is a concatenation rather than a re-encoding of the whole tree (half a second
/// for a full game in a debug build).
struct FieldTemplate {
    /// The bytes between placeholders, in order; one more than the placeholders.
    private var segments: [[UInt8]] = []
    /// Which field each placeholder (in the order they appear) stands for.
    private var order: [Int] = []
    /// Each field's original value, as JSON text.
    private var originals: [[UInt8]]

    init(_ json: Any, fields: [[Any]]) throws {
        originals = try fields.map { try Self.jsonText(JSONEdit.value(json, $0) ?? NSNull()) }
        let marked = JSONEdit.applying(json, fields.enumerated().map { ($0.element, "field-placeholder-\($0.offset)") })
        let bytes = try Fixtures.encode(marked)
        var found: [(range: Range<Int>, field: Int)] = []
        for field in fields.indices {
            found.append((try #require(bytes.firstRange(of: Array("\"field-placeholder-\(field)\"".utf8))), field))
        }
        found.sort { $0.range.lowerBound < $1.range.lowerBound }
        var position = 0
        for (range, field) in found {
            segments.append(Array(bytes[position..<range.lowerBound]))
            order.append(field)
            position = range.upperBound
        }
        segments.append(Array(bytes[position...]))
    }

    /// The payload with `field` set to `value` (JSON text) and every other field as it was.
    func bytes(setting field: Int, to value: [UInt8]) -> [UInt8] {
        var bytes = segments[0]
        for (index, placeholder) in order.enumerated() {
            bytes += placeholder == field ? value : originals[placeholder]
            bytes += segments[index + 1]
        }
        return bytes
    }

    /// The JSON text of one value (a fragment: `1e+308`, `"NaN"`, `[0]`).
    static func jsonText(_ value: Any) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed))
    }
}
