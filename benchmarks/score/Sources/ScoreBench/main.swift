// Score service benchmark: events published per second (one by one and batched, one and
// eight publishers) and publish→stream latency with 100 StreamEvents subscribers, on the
// storage given (SQLite file by default; PostgreSQL with --storage postgres://…).
//
//   score-bench [--storage URL] [--events N] [--subscribers N] [--rate EVENTS_PER_S] [--seconds S]
//
// The score service runs in this process behind its real gRPC server on loopback (games come
// from a static directory instead of a schedule service); every call goes through the wire.
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC
import GRPCServiceKit
import Logging
import NIOCore
import ScoreService
import ServiceKit
import ServiceLifecycle
import Storage

struct Options {
    var storage = "sqlite:\(NSTemporaryDirectory())score-bench-\(UUID().uuidString)/score.sqlite"
    var events = 5000
    var subscribers = 100
    var rate = 500.0
    var seconds = 10.0

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--storage": storage = value
            case "--events": events = Int(value) ?? events
            case "--subscribers": subscribers = Int(value) ?? subscribers
            case "--rate": rate = Double(value) ?? rate
            case "--seconds": seconds = Double(value) ?? seconds
            default:
                FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

func nowMicros() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
}

/// An event whose state keeps the score (so concurrent publishers can never break the rules).
func event(_ game: String, _ n: Int, stamp: Int64 = 0) -> Event {
    Event(
        gameId: game, sourceId: "bench-\(n)", kind: .other, teamId: "BOS", points: 0, description: stamp == 0 ? "" : "t=\(stamp)",
        state: GameState(homeScore: 50, awayScore: 48, period: 2, clockMs: 600_000, clockRunning: true, status: .live)
    )
}

func percentile(_ sorted: [Int64], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
}

@main
struct ScoreBench {
    static func main() async throws {
        let options = Options(CommandLine.arguments)
        var logger = Logger(label: "score-bench")
        logger.logLevel = .error
        let games = (0..<32).map { Game(id: "bench-\($0)", homeTeamId: "BOS", awayTeamId: "LAL", date: "2026-11-23", status: .scheduled) }
        var configuration = ScoreServer.Configuration()
        configuration.grpcPort = 0
        configuration.admin.port = 0
        configuration.storage = try StorageLocation(parsing: options.storage)
        configuration.engine.subscriberQueueCapacity = 1_000_000
        let server = try await ScoreServer.build(configuration: configuration, directory: StaticGameDirectory(games: games), logger: logger)
        let group = ServiceGroup(configuration: .init(services: server.services, logger: logger))
        let running = Task { try await group.run() }
        while server.grpcServer.localAddress == nil { try await Task.sleep(for: .milliseconds(10)) }
        let port = server.grpcServer.localAddress?.port ?? 0
        let storageLabel = configuration.storage.isPostgres ? "PostgreSQL" : "SQLite (file, WAL, synchronous=FULL)"
        print("score service benchmark — storage: \(storageLabel)")

        // 1. Throughput.
        var gameIndex = 0
        func nextGame() -> String {
            defer { gameIndex += 1 }
            return "bench-\(gameIndex)"
        }
        for (label, publishers, batch) in [
            ("one by one, 1 publisher", 1, 1), ("one by one, 8 publishers", 8, 1), ("batches of 100, 1 publisher", 1, 100),
            ("batches of 500, 4 publishers", 4, 500),
        ] {
            let game = nextGame()
            let perPublisher = max(batch, options.events / publishers / batch * batch)
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for publisher in 0..<publishers {
                    tasks.addTask {
                        let client = GRPCClient(host: "127.0.0.1", port: port)
                        defer { client.close() }
                        let score = ScoreServiceClient(client)
                        for start in stride(from: 0, to: perPublisher, by: batch) {
                            let events = (start..<(start + batch)).map { event(game, publisher * 10_000_000 + $0) }
                            _ = try await score.publishEvents(PublishEventsRequest(events: events))
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let total = perPublisher * publishers
            let padded = label + String(repeating: " ", count: max(0, 30 - label.count))
            print("  \(padded)" + String(format: " %8d events in %6.2f s = %9.0f events/s", total, seconds, Double(total) / seconds))
        }

        // 2. Latency: subscribers follow one game; a publisher publishes one event at a time at `rate`.
        let game = nextGame()
        let collected = LatencyCollector()
        let client = GRPCClient(host: "127.0.0.1", port: port)
        let expected = Int(options.rate * options.seconds)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<options.subscribers {
                tasks.addTask {
                    try await ScoreServiceClient(client).streamEvents(StreamEventsRequest(games: [GameCursor(gameId: game)])) { stream in
                        var received = 0
                        for try await item in stream {
                            guard let event = item.event, event.description.hasPrefix("t=") else { continue }
                            let sent = Int64(event.description.dropFirst(2)) ?? 0
                            collected.add(nowMicros() - sent)
                            received += 1
                            if received == expected { return }
                        }
                    }
                }
            }
            try await Task.sleep(for: .seconds(1))
            let publisher = GRPCClient(host: "127.0.0.1", port: port)
            let score = ScoreServiceClient(publisher)
            let interval = 1.0 / options.rate
            let begin = ContinuousClock.now
            for n in 0..<expected {
                let due = begin + .milliseconds(Int64(Double(n) * interval * 1000))
                let now = ContinuousClock.now
                if due > now { try await Task.sleep(until: due, clock: .continuous) }
                _ = try await score.publishEvents(PublishEventsRequest(events: [event(game, n, stamp: nowMicros())]))
            }
            publisher.close()
            try await tasks.waitForAll()
        }
        client.close()
        let latencies = collected.sorted()
        print(
            String(
                format:
                    "  publish→stream latency, %d subscribers, %.0f events/s for %.0f s (%d deliveries): p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms",
                options.subscribers, options.rate, options.seconds, latencies.count,
                percentile(latencies, 0.50), percentile(latencies, 0.99), percentile(latencies, 0.999), percentile(latencies, 1.0)
            ))
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}

final class LatencyCollector: @unchecked Sendable {
    // Guarded by `lock`.
    private var values: [Int64] = []
    private let lock = NSLock()

    func add(_ value: Int64) {
        lock.lock()
        values.append(value)
        lock.unlock()
    }

    func sorted() -> [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return values.sorted()
    }
}
