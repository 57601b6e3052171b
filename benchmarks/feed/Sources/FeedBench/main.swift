// Feed benchmark: what one poll of a provider costs the feed's own code (parse + diff), on real
// payloads from Tests/Fixtures. No service, no network: the parsers and diffs of FeedSources.
//
//   feed-bench [--fixtures DIR] [--batches N] [--batch-seconds S] [--only SUBJECT-PREFIX]
//
// Subjects (one poll each):
// - a scoreboard, in steady state (the payload is the one polled last time too):
//   `ESPNScoreboardAdapter.parse` (the scoreboard poller's `.skipGame` policy), then
//   `ScoreboardDiffer.diff` against the previous poll's snapshot;
// - a play-by-play as the play-by-play poller reads it (`IncrementalPlayByPlay`, which keeps
//   what the previous poll of the game built), then `PublishedPlays.update` against what was
//   published of it already:
//   - `<subject>` (unchanged): the payload polled last time too;
//   - `<subject>-grown`: each poll has 3 more actions than the one before (the real payload cut
//     after its last 57, 54, … 0 actions, in turn; after the whole payload, the next poll starts
//     again from what the first cut built);
//   - `<subject>-cold`: the payload read afresh (the adapter's parse, which rebuilds the whole
//     game: a game's first poll, or a poll the previous one cannot be extended to).
//
// Each subject is followed by `<subject>:json-only`: the same bytes through the feed's JSON reader
// (`CourtsideJSON.JSONDocument`: the whole text checked and its tape built, provider limits)
// alone, to show where a poll's time goes.
//
// Prints one line per subject: `subject<TAB>bytes<TAB>median seconds per poll<TAB>min<TAB>max`,
// each figure the median of `--batches` batches (each long enough to last `--batch-seconds`).
import CourtsideDomain
import CourtsideJSON
import CourtsideProto
import FeedSources
import Foundation

struct Options {
    var fixtures = FileManager.default.currentDirectoryPath + "/Tests/Fixtures"
    var batches = 15
    var batchSeconds = 0.2
    /// Only the subjects whose name starts with this (for a profiler).
    var only = ""

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--fixtures": fixtures = value
            case "--batches": batches = max(3, Int(value) ?? batches)
            case "--batch-seconds": batchSeconds = max(0.01, Double(value) ?? batchSeconds)
            case "--only": only = value
            default:
                FileHandle.standardError.write(Data("feed-bench: unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
}

/// A result's value, or the reasons it was refused (the benchmark only measures accepted payloads).
func accepted<T>(_ result: FeedResult<T>, _ what: String) throws -> T {
    switch result {
    case .success(let value): return value
    case .failure(let rejection): throw Failure(description: "\(what) refused: \(rejection)")
    }
}

/// Seconds per call of `body`: the median, fastest and slowest of `batches` batches.
func measure(_ options: Options, _ body: () throws -> Void) rethrows -> (median: Double, min: Double, max: Double) {
    let clock = ContinuousClock()
    // Calibrate: how many calls fill one batch (and warm up the caches on the way).
    var perBatch = 1
    while true {
        let start = clock.now
        for _ in 0..<perBatch { try body() }
        let elapsed = clock.now - start
        if elapsed >= .seconds(options.batchSeconds) || perBatch >= 1 << 20 { break }
        perBatch *= 2
    }
    var samples: [Double] = []
    for _ in 0..<options.batches {
        let start = clock.now
        for _ in 0..<perBatch { try body() }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        samples.append(seconds / Double(perBatch))
    }
    samples.sort()
    return (samples[samples.count / 2], samples[0], samples[samples.count - 1])
}

func bytes(_ options: Options, _ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: options.fixtures + "/" + path) else {
        throw Failure(description: "cannot read \(options.fixtures)/\(path)")
    }
    return Array(data)
}

/// Keeps results observable so the optimizer cannot drop the work.
nonisolated(unsafe) var sink = 0

func run() throws {
    let options = Options(CommandLine.arguments)
    func report(_ subject: String, _ payload: [UInt8], _ figures: (median: Double, min: Double, max: Double)) throws {
        print("\(subject)\t\(payload.count)\t\(figures.median)\t\(figures.min)\t\(figures.max)")
        guard !subject.hasSuffix("-grown"), !subject.hasSuffix("-cold") else { return }
        let json = try measure(options) {
            sink &+= try JSONDocument(payload, options: .providerPayload).entryCount
        }
        print("\(subject):json-only\t\(payload.count)\t\(json.median)\t\(json.min)\t\(json.max)")
    }

    for (subject, path) in [
        ("espn-college-scoreboard", "espn/calvin-seamons__march-madness-2026/espn_scoreboard.json"),
        ("espn-nba-scoreboard-day", "espn/aaronweldy__espn-openapi/nba_scoreboard_20241215.json"),
    ] {
        guard subject.hasPrefix(options.only) else { continue }
        let payload = try bytes(options, path)
        let previous = try accepted(ESPNScoreboardAdapter.parse(payload, unknownTeams: .skipGame), subject)
        let figures = try measure(options) {
            let snapshot = try accepted(ESPNScoreboardAdapter.parse(payload, unknownTeams: .skipGame), subject)
            let diff = ScoreboardDiffer.diff(from: previous, to: snapshot)
            sink &+= snapshot.games.count &+ diff.events.count
        }
        try report(subject, payload, figures)
    }

    if "nba-cdn-playbyplay".hasPrefix(options.only) || options.only.hasPrefix("nba-cdn-playbyplay") {
        try nbaPlayByPlay(options, report)
    }
    if "espn-summary".hasPrefix(options.only) || options.only.hasPrefix("espn-summary") {
        try espnSummary(options, report)
    }
    if sink == 42 { print("") }
}

typealias Report = (String, [UInt8], (median: Double, min: Double, max: Double)) throws -> Void

/// Times the three ways a play-by-play poll goes (see the subjects above); `poll` reads a payload
/// with what the previous poll built, `fresh` reads it afresh.
func playByPlay(
    _ options: Options, _ report: Report, subject: String, payload: [UInt8], list: [String], gameId: String,
    poll: (inout IncrementalPlayByPlay, [UInt8]) -> FeedResult<GameFeed>, fresh: ([UInt8]) -> FeedResult<GameFeed>
) throws {
    let whole = try accepted(fresh(payload), subject)
    func wanted(_ name: String) -> Bool { name.hasPrefix(options.only) }

    if wanted(subject) {
        var memo = IncrementalPlayByPlay()
        var published = PublishedPlays(gameId: gameId)
        _ = published.update(with: try accepted(poll(&memo, payload), subject))
        try report(
            subject, payload,
            try measure(options) {
                let feed = try accepted(poll(&memo, payload), subject)
                sink &+= feed.events.count &+ published.update(with: feed).events.count
            })
        guard memo.lastPath == .extended, memo.playsRead == 0 else { throw Failure(description: "\(subject): not extended") }
    }
    if wanted(subject + "-grown") {
        let cuts = try stride(from: 57, through: 0, by: -3).map { try cut(payload, list: list, droppingLast: $0) }
        var memo = IncrementalPlayByPlay()
        var published = PublishedPlays(gameId: gameId)
        _ = published.update(with: try accepted(poll(&memo, try cut(payload, list: list, droppingLast: 60)), subject))
        let start = (memo, published)
        var next = 0
        var extended = 0
        try report(
            subject + "-grown", payload,
            try measure(options) {
                if next == cuts.count { (memo, published, next) = (start.0, start.1, 0) }
                let feed = try accepted(poll(&memo, cuts[next]), subject)
                sink &+= feed.events.count &+ published.update(with: feed).events.count
                if memo.lastPath == .extended, memo.playsRead == 3 { extended += 1 }
                next += 1
            })
        guard extended > 0 else { throw Failure(description: "\(subject)-grown: never extended") }
    }
    if wanted(subject + "-cold") {
        var published = PublishedPlays(gameId: gameId)
        _ = published.update(with: whole)
        try report(
            subject + "-cold", payload,
            try measure(options) {
                let feed = try accepted(fresh(payload), subject)
                sink &+= feed.events.count &+ published.update(with: feed).events.count
            })
    }
}

/// `payload` without the last `dropped` elements of its array at `list` (a path of member names),
/// cut at the bytes: everything else as the provider sent it.
func cut(_ payload: [UInt8], list: [String], droppingLast dropped: Int) throws -> [UInt8] {
    let document = try JSONDocument(payload, options: .providerPayload)
    var node = JSONDocument.root
    for name in list {
        guard let member = document.member(name, of: node) else { throw Failure(description: "no \(name) to cut") }
        node = member
    }
    let elements = document.elements(of: node)
    guard dropped < elements.count else { throw Failure(description: "cannot drop \(dropped) of \(elements.count)") }
    let lastEnd = valueEnd(payload, from: document.offset(elements[elements.count - 1]))
    if dropped == 0 { return payload }
    let keptEnd =
        elements.count - dropped == 0
        ? document.offset(node) + 1 : valueEnd(payload, from: document.offset(elements[elements.count - dropped - 1]))
    return Array(payload[..<keptEnd] + payload[lastEnd...])
}

/// Where the container starting at `start` ends (after its closing bracket).
func valueEnd(_ bytes: [UInt8], from start: Int) -> Int {
    var depth = 0
    var index = start
    var inString = false
    while index < bytes.count {
        let byte = bytes[index]
        index += 1
        if inString {
            if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
            if depth == 0 { return index }
        default: break
        }
    }
    return index
}

func nbaPlayByPlay(_ options: Options, _ report: Report) throws {
    let boxscore = try accepted(
        NBABoxscoreAdapter.parse(try bytes(options, "nba_cdn/dblackrun__pbpstats/game_details/live_0022000001.json")), "boxscore")
    let nba = try bytes(options, "nba_cdn/dblackrun__pbpstats/pbp/live_0022000001.json")
    // As the poller reads a game the scoreboard shows live: a live header (its score not ahead of
    // the plays), plays of a period not started yet held.
    var live = boxscore
    live.game.status = .live
    live.state = GameState(status: .live)
    live.periodEnded = false
    try playByPlay(
        options, report, subject: "nba-cdn-playbyplay", payload: nba, list: ["game", "actions"], gameId: boxscore.game.id,
        poll: { memo, payload in memo.nba(payload, game: live, holdingUnstartedPeriods: true) },
        fresh: { NBAPlayByPlayAdapter.parse($0, game: live, holdingUnstartedPeriods: true) })
}

func espnSummary(_ options: Options, _ report: Report) throws {
    let summary = try bytes(options, "espn/smythmyke__bragging_rights/espn_nba_summary.json")
    let gameId = try accepted(ESPNSummaryAdapter.parse(summary), "ESPN summary").game.id
    try playByPlay(
        options, report, subject: "espn-summary", payload: summary, list: ["plays"], gameId: gameId,
        poll: { memo, payload in memo.espn(payload) },
        fresh: { ESPNSummaryAdapter.parse($0) })
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("feed-bench: \(error)\n".utf8))
    exit(1)
}
