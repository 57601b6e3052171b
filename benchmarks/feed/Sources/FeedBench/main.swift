// Feed benchmark: what one poll of a provider costs the feed's own code (parse + diff), on real
// payloads from Tests/Fixtures. No service, no network: the parsers and diffs of FeedSources.
//
//   feed-bench [--fixtures DIR] [--batches N] [--batch-seconds S] [--only SUBJECT-PREFIX]
//
// Subjects (one poll each, in steady state: the payload is the one polled last time too):
// - a scoreboard: `ESPNScoreboardAdapter.parse` (the scoreboard poller's `.skipGame` policy), then
//   `ScoreboardDiffer.diff` against the previous poll's snapshot;
// - a play-by-play: the adapter's parse, which rebuilds the whole game (`PlayByPlayBuilder`), then
//   `PublishedPlays.update` against what was published of it already.
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

    if "nba-cdn-playbyplay".hasPrefix(options.only) {
        try nbaPlayByPlay(options, report)
    }
    if "espn-summary".hasPrefix(options.only) {
        try espnSummary(options, report)
    }
    if sink == 42 { print("") }
}

func nbaPlayByPlay(_ options: Options, _ report: (String, [UInt8], (median: Double, min: Double, max: Double)) throws -> Void) throws {
    let boxscore = try accepted(
        NBABoxscoreAdapter.parse(try bytes(options, "nba_cdn/dblackrun__pbpstats/game_details/live_0022000001.json")), "boxscore")
    let nba = try bytes(options, "nba_cdn/dblackrun__pbpstats/pbp/live_0022000001.json")
    var nbaPublished = PublishedPlays(gameId: boxscore.game.id)
    _ = nbaPublished.update(with: try accepted(NBAPlayByPlayAdapter.parse(nba, game: boxscore), "NBA play-by-play"))
    try report(
        "nba-cdn-playbyplay", nba,
        try measure(options) {
            let feed = try accepted(NBAPlayByPlayAdapter.parse(nba, game: boxscore), "NBA play-by-play")
            sink &+= feed.events.count &+ nbaPublished.update(with: feed).events.count
        })
}

func espnSummary(_ options: Options, _ report: (String, [UInt8], (median: Double, min: Double, max: Double)) throws -> Void) throws {
    let summary = try bytes(options, "espn/smythmyke__bragging_rights/espn_nba_summary.json")
    let summaryFeed = try accepted(ESPNSummaryAdapter.parse(summary), "ESPN summary")
    var summaryPublished = PublishedPlays(gameId: summaryFeed.game.id)
    _ = summaryPublished.update(with: summaryFeed)
    try report(
        "espn-summary", summary,
        try measure(options) {
            let feed = try accepted(ESPNSummaryAdapter.parse(summary), "ESPN summary")
            sink &+= feed.events.count &+ summaryPublished.update(with: feed).events.count
        })
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("feed-bench: \(error)\n".utf8))
    exit(1)
}
