import Foundation
import Logging
import Synchronization
import Testing

@testable import GRPC

/// The one file watcher of every reloaded file (JWKS, client identities, bearer token, TLS
/// certificates): a change in place, a rename over the file and a Kubernetes-style symlink swap
/// are seen; a bad file keeps the old value and is logged once; reads touch no file.
@Suite struct WatchedFileTests {
    /// A fresh directory for one test.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watched-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Parses "value:<text>"; anything else is refused. Counts its calls.
    final class Parser: Sendable {
        let calls = Mutex(0)
        struct Refused: Error, CustomStringConvertible {
            let description: String
        }
        func parse(_ contents: [Data]) throws -> String {
            calls.withLock { $0 += 1 }
            let text = contents.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "+")
            guard text.hasPrefix("value:") else { throw Refused(description: "not a value file") }
            return String(text.dropFirst(6))
        }
    }

    static func watch(_ paths: [String], parser: Parser, logs: LogRecorder = LogRecorder(), interval: Duration? = nil) throws
        -> WatchedFile<String>
    {
        try WatchedFile(name: "test value", paths: paths, interval: interval, logger: logs.logger(label: "watched")) { contents in
            try parser.parse(contents)
        }
    }

    @Test func aChangeInPlaceIsSeen() async throws {
        let path = try Self.directory() + "/value"
        try Self.write("value:one", to: path)
        let watched = try Self.watch([path], parser: Parser())
        #expect(watched.value == "one")
        #expect(await watched.check() == .unchanged)
        try Self.write("value:three", to: path)
        #expect(await watched.check() == .reloaded)
        #expect(watched.value == "three")
        #expect(watched.current.version == 1)
        #expect(await watched.check() == .unchanged)
    }

    @Test func aFileRenamedOverTheOldOneIsSeen() async throws {
        let directory = try Self.directory()
        let path = directory + "/value"
        try Self.write("value:old", to: path)
        let watched = try Self.watch([path], parser: Parser())
        // Same length, written elsewhere and renamed over the file: a new inode.
        try Self.write("value:new", to: directory + "/value.tmp")
        #expect(rename(directory + "/value.tmp", path) == 0)
        #expect(await watched.check() == .reloaded)
        #expect(watched.value == "new")
    }

    @Test func aKubernetesSymlinkSwapIsSeen() async throws {
        // A Secret volume: value -> ..data/value, ..data -> ..2024_01 (a timestamped folder);
        // an update writes a new folder and swaps ..data atomically. The path itself never changes.
        let directory = try Self.directory()
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory + "/..v1", withIntermediateDirectories: false)
        try Self.write("value:v1", to: directory + "/..v1/value")
        try fileManager.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..v1")
        try fileManager.createSymbolicLink(atPath: directory + "/value", withDestinationPath: "..data/value")
        let watched = try Self.watch([directory + "/value"], parser: Parser())
        #expect(watched.value == "v1")

        try fileManager.createDirectory(atPath: directory + "/..v2", withIntermediateDirectories: false)
        try Self.write("value:v2", to: directory + "/..v2/value")
        try fileManager.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..v2")
        #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
        #expect(await watched.check() == .reloaded)
        #expect(watched.value == "v2")
    }

    @Test func aBadFileKeepsTheOldValueAndIsLoggedOnceNamingTheFile() async throws {
        let path = try Self.directory() + "/value"
        try Self.write("value:good", to: path)
        let logs = LogRecorder()
        let watched = try Self.watch([path], parser: Parser(), logs: logs)
        try Self.write("garbage", to: path)
        #expect(await watched.check() == .rejected("not a value file"))
        #expect(watched.value == "good")
        #expect(await watched.check() == .unchanged)
        let errors = logs.all.filter { $0.contains("cannot be used") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains(path) == true && errors.first?.contains("not a value file") == true)

        // Gone: still the old value, and one more line.
        try FileManager.default.removeItem(atPath: path)
        guard case .rejected(let why) = await watched.check() else {
            Issue.record("a missing file was not rejected")
            return
        }
        #expect(why.contains(path))
        #expect(watched.value == "good")
        #expect(logs.all.filter { $0.contains("cannot be used") }.count == 2)
        // Back, good: used.
        try Self.write("value:back", to: path)
        #expect(await watched.check() == .reloaded)
        #expect(watched.value == "back")
    }

    @Test func readsTouchNoFile() async throws {
        let path = try Self.directory() + "/value"
        try Self.write("value:first", to: path)
        let parser = Parser()
        let watched = try Self.watch([path], parser: parser)
        try Self.write("value:second", to: path)
        try FileManager.default.removeItem(atPath: path)
        // Changed, then removed: reads neither notice nor parse; only a check would.
        for _ in 0..<1000 { #expect(watched.value == "first") }
        #expect(parser.calls.withLock { $0 } == 1)
    }

    @Test func filesReadTogetherAreCheckedTogether() async throws {
        let directory = try Self.directory()
        try Self.write("value:a", to: directory + "/one")
        try Self.write("1", to: directory + "/two")
        let watched = try Self.watch([directory + "/one", directory + "/two"], parser: Parser())
        #expect(watched.value == "a+1")
        try Self.write("22", to: directory + "/two")
        #expect(await watched.check() == .reloaded)
        #expect(watched.value == "a+22")
    }

    @Test func aTouchedFileWithTheSameBytesIsNotReparsed() async throws {
        let path = try Self.directory() + "/value"
        try Self.write("value:same", to: path)
        let parser = Parser()
        let watched = try Self.watch([path], parser: parser)
        try Self.write("value:same", to: path + ".tmp")
        #expect(rename(path + ".tmp", path) == 0)
        #expect(await watched.check() == .unchanged)
        #expect(parser.calls.withLock { $0 } == 1)
        #expect(watched.current.version == 0)
    }

    @Test func unusableFilesAreRefusedAtStart() throws {
        let directory = try Self.directory()
        #expect(throws: WatchedFileError(.unreadable, path: directory + "/missing", reason: "cannot be read")) {
            try Self.watch([directory + "/missing"], parser: Parser())
        }
        try Self.write("nonsense", to: directory + "/bad")
        #expect(throws: WatchedFileError(.unusable, path: nil, reason: "not a value file")) {
            try Self.watch([directory + "/bad"], parser: Parser())
        }
        try Self.write("value:" + String(repeating: "x", count: 100), to: directory + "/long")
        #expect(throws: WatchedFileError(.tooLarge, path: directory + "/long", reason: "is longer than 64 bytes")) {
            try WatchedFile(name: "test value", paths: [directory + "/long"], interval: nil, maximumBytes: 64, logger: Logger(label: "t")) {
                try Parser().parse($0)
            }
        }
    }

    @Test func theBackgroundCheckSeesAChange() async throws {
        let path = try Self.directory() + "/value"
        try Self.write("value:before", to: path)
        let watched = try Self.watch([path], parser: Parser(), interval: .milliseconds(20))
        try Self.write("value:after!", to: path + ".tmp")
        #expect(rename(path + ".tmp", path) == 0)
        #expect(await eventually { watched.value == "after!" })
    }
}

/// At most N lines of a kind per interval, then one summary of what was dropped.
@Suite struct RateLimitedLogTests {
    final class TestClock: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
    }

    @Test func aKindLogsItsLinesThenOneSummaryAfterTheInterval() {
        let clock = TestClock()
        let logs = LogRecorder()
        let logger = logs.logger(label: "limited")
        let log = RateLimitedLog(RateLimitedLog.Limit(lines: 3, per: .seconds(10)), now: { clock.now })
        for index in 0..<50 { log.log("bad_token", level: .notice, "refused \(index)", metadata: [:], to: logger) }
        log.log("expired", level: .notice, "expired 0", metadata: [:], to: logger)
        #expect(logs.all.map { $0.trimmingCharacters(in: .whitespaces) } == ["refused 0", "refused 1", "refused 2", "expired 0"])

        clock.advance(.seconds(9))
        log.log("bad_token", level: .notice, "refused late", metadata: [:], to: logger)
        #expect(logs.all.count == 4)

        clock.advance(.seconds(1))
        log.log("bad_token", level: .notice, "refused next", metadata: [:], to: logger)
        let lines = logs.all.suffix(2)
        #expect(lines.first?.hasPrefix("suppressed 48 similar lines") == true && lines.first?.contains("kind=bad_token") == true)
        #expect(lines.last?.hasPrefix("refused next") == true)

        // A quiet interval has nothing to report.
        clock.advance(.seconds(10))
        log.log("bad_token", level: .notice, "refused quiet", metadata: [:], to: logger)
        #expect(logs.all.last?.hasPrefix("refused quiet") == true)
        #expect(logs.all.count == 7)
    }

    @Test func kindsAreBounded() {
        let clock = TestClock()
        let logs = LogRecorder()
        let logger = logs.logger(label: "limited")
        let log = RateLimitedLog(RateLimitedLog.Limit(lines: 1, per: .seconds(10)), now: { clock.now })
        for index in 0..<1000 { log.log("kind-\(index)", level: .notice, "line \(index)", metadata: [:], to: logger) }
        // The first kinds each get their line; the rest share one limit.
        #expect(logs.all.count == RateLimitedLog.maximumKinds + 1)
    }
}
