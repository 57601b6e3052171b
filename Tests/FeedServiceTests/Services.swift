import CourtsideProto
import CourtsideRPC
import FeedService
import Foundation
import GRPC
import GRPCServiceKit
import Logging
import ScheduleService
import ScoreService
import ServiceKit
import ServiceLifecycle
import Storage
import TestSupport
import Testing

/// Schedule and score services on loopback, wired as in production, plus feeds built against
/// them. The score service keeps its port across restarts and can start after the feed.
final class Services: @unchecked Sendable {
    // Mutated only by the test that owns it, sequentially.
    private var schedule: ScheduleServer?
    private var running: [String: Running] = [:]
    let scorePort: Int
    let scoreStorage: StorageLocation
    private(set) var scheduleAddress = ""
    let client: GRPCClient
    private(set) var scheduleClient: GRPCClient?

    /// - Parameter scoreInFile: keep the score log in a temporary SQLite file (to survive a
    ///   restart of the score service) instead of memory.
    init(scoreInFile: Bool = false) async throws {
        scorePort = try freePort()
        if scoreInFile {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courtside-feed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            scoreStorage = .sqliteFile(path: directory.appendingPathComponent("score.sqlite").path)
        } else {
            scoreStorage = .sqliteMemory
        }
        client = GRPCClient(host: "127.0.0.1", port: scorePort)
        var configuration = ScheduleServerConfiguration()
        configuration.grpcPort = 0
        configuration.admin.port = nil
        configuration.storage = .sqliteMemory
        configuration.shutdownGrace = .seconds(1)
        let schedule = try await ScheduleServer.build(configuration: configuration, logger: Logger(label: "schedule"))
        self.schedule = schedule
        running["schedule"] = Running(schedule.services)
        try await waitFor("schedule") { schedule.grpcPort != nil }
        scheduleAddress = "127.0.0.1:\(schedule.grpcPort ?? 0)"
        scheduleClient = GRPCClient(host: "127.0.0.1", port: schedule.grpcPort ?? 0)
    }

    /// The schedule's teams of a league.
    func teams(league: String) async throws -> [Team] {
        guard let scheduleClient else { return [] }
        return try await ScheduleServiceClient(scheduleClient).listTeams(ListTeamsRequest(leagueIds: [league])).teams
    }

    /// The schedule's games of a date, by id.
    func scheduledGames(date: String) async throws -> [String: Game] {
        guard let scheduleClient else { return [:] }
        let schedule = ScheduleServiceClient(scheduleClient)
        var games: [String: Game] = [:]
        var token = ""
        repeat {
            let page = try await schedule.listGames(ListGamesRequest(dateFrom: date, dateTo: date, pageSize: 1000, pageToken: token))
            for game in page.games { games[game.id] = game }
            token = page.nextPageToken
        } while !token.isEmpty
        return games
    }

    var score: ScoreServiceClient { ScoreServiceClient(client) }

    func startScore() async throws {
        var configuration = ScoreServer.Configuration()
        configuration.grpcPort = scorePort
        configuration.admin.port = 0
        configuration.storage = scoreStorage
        configuration.scheduleAddress = scheduleAddress
        configuration.shutdownGrace = .seconds(1)
        let score = try await ScoreServer.build(configuration: configuration, logger: Logger(label: "score"))
        running["score"] = Running(score.services)
        try await waitFor("score") { score.grpcServer.localAddress != nil }
    }

    func stopScore() async {
        await running.removeValue(forKey: "score")?.stop()
    }

    /// A feed against these services (admin server off unless asked), not running yet.
    func feed(_ source: FeedSourceKind, _ configure: (inout FeedConfiguration) throws -> Void = { _ in }) throws -> FeedServer {
        var configuration = FeedConfiguration()
        configuration.admin.port = nil
        configuration.source = source
        configuration.scoreAddress = "127.0.0.1:\(scorePort)"
        configuration.scheduleAddress = scheduleAddress
        configuration.retryInitial = .milliseconds(20)
        configuration.retryMaximum = .milliseconds(200)
        configuration.shutdownGrace = .seconds(5)
        try configure(&configuration)
        return try FeedServer.build(configuration: configuration, logger: Logger(label: "feed"))
    }

    /// Starts a feed; `stop` it with `stopFeed`.
    func start(_ feed: FeedServer, name: String = "feed") {
        running[name] = Running(feed.services)
    }

    func stopFeed(name: String = "feed") async {
        await running.removeValue(forKey: name)?.stop()
    }

    /// Waits until a feed's source ended and everything it made was delivered.
    func waitUntilDelivered(_ feed: FeedServer, timeout: Duration = .seconds(60)) async throws {
        try await waitFor("the feed to deliver everything", timeout: timeout) { feed.isSourceFinished && feed.buffer.depth == 0 }
    }

    /// Every stored event of a game, oldest first.
    func events(of gameId: String) async throws -> [Event] {
        var all: [Event] = []
        var token = ""
        repeat {
            let page = try await score.listEvents(ListEventsRequest(gameId: gameId, pageSize: 1000, pageToken: token))
            all += page.events
            token = page.nextPageToken
        } while !token.isEmpty
        return all
    }

    /// The current snapshots of games; games neither the score nor the schedule service knows
    /// are absent.
    func snapshots(_ gameIds: [String]) async throws -> [String: Snapshot] {
        var found: [String: Snapshot] = [:]
        var start = 0
        while start < gameIds.count {
            let chunk = Array(gameIds[start..<min(start + 500, gameIds.count)])
            start += chunk.count
            do {
                for snapshot in try await score.getSnapshots(GetSnapshotsRequest(gameIds: chunk)).snapshots {
                    found[snapshot.gameId] = snapshot
                }
            } catch let error as RPCError where error.code == .notFound {
                for gameId in chunk {
                    if let snapshot = try? await score.getSnapshots(GetSnapshotsRequest(gameIds: [gameId])).snapshots.first {
                        found[gameId] = snapshot
                    }
                }
            }
        }
        return found
    }

    func stop() async {
        for name in running.keys.filter({ $0 != "score" && $0 != "schedule" }) {
            await running.removeValue(forKey: name)?.stop()
        }
        await stopScore()
        await running.removeValue(forKey: "schedule")?.stop()
        client.close()
        scheduleClient?.close()
    }
}

/// Reads one sample of a metric from a feed's `/metrics` text (0 when absent).
func metric(_ feed: FeedServer, _ name: String, _ labels: [String: String] = [:]) -> Double {
    let text = String(decoding: feed.metrics.render(), as: UTF8.self)
    var total = 0.0
    for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
        let rest = line.dropFirst(name.count)
        guard rest.first == "{" || rest.first == " " else { continue }
        if !labels.allSatisfy({ line.contains("\($0.key)=\"\($0.value)\"") }) { continue }
        total += Double(line.split(separator: " ").last ?? "") ?? 0
    }
    return total
}
