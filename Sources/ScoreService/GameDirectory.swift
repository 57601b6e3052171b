public import CourtsideProto
import CourtsideRPC
public import GRPC
public import Logging
import Synchronization

/// What the score service needs from the schedule service: whether a game exists (and who
/// plays), and a place to report status changes that events make.
public protocol GameDirectory: Sendable {
    /// The game, nil if the schedule does not know it. Throws when the answer cannot be known
    /// (the schedule service is unreachable).
    func game(id: String) async throws -> Game?
    /// Reports that events changed a game's status. Delivery is ordered per game and retried;
    /// it never blocks the caller.
    func statusChanged(gameId: String, status: GameStatus)
}

/// The schedule service over gRPC, with a cache of known games.
public final class ScheduleGameDirectory: GameDirectory {
    private let schedule: ScheduleServiceClient
    private let logger: Logger
    private let known = Mutex<[String: Game]>([:])
    private let reports: AsyncStream<(String, GameStatus)>.Continuation
    private let reporter: Task<Void, Never>

    public init(client: GRPCClient, logger: Logger) {
        let schedule = ScheduleServiceClient(client)
        self.schedule = schedule
        self.logger = logger
        let (stream, continuation) = AsyncStream<(String, GameStatus)>.makeStream()
        reports = continuation
        reporter = Task {
            for await (gameId, status) in stream {
                await Self.report(gameId: gameId, status: status, schedule: schedule, logger: logger)
            }
        }
    }

    deinit {
        reports.finish()
    }

    public func game(id: String) async throws -> Game? {
        if let cached = known.withLock({ $0[id] }) { return cached }
        do {
            let game = try await schedule.getGame(GetGameRequest(gameId: id), options: CallOptions(timeout: .seconds(5)))
            known.withLock { $0[id] = game }
            return game
        } catch let error as RPCError where error.code == .notFound {
            return nil
        } catch {
            // The cause (an address, a connection error) is for the log, not for the client.
            logger.warning(
                "cannot check a game with the schedule service",
                metadata: ["game": "\(FieldCheck.shown(id))", "schedule": "\(schedule.client.target)", "error": "\(error)"]
            )
            throw RPCError(.unavailable, "cannot check game '\(FieldCheck.shown(id))' with the schedule service; try again")
        }
    }

    public func statusChanged(gameId: String, status: GameStatus) {
        reports.yield((gameId, status))
    }

    /// Stops reporting after what is queued (at shutdown).
    public func finish() async {
        reports.finish()
        await reporter.value
    }

    private static func report(gameId: String, status: GameStatus, schedule: ScheduleServiceClient, logger: Logger) async {
        var delay: Duration = .milliseconds(100)
        for attempt in 1...8 {
            do {
                _ = try await schedule.updateGameStatus(
                    UpdateGameStatusRequest(gameId: gameId, status: status),
                    options: CallOptions(timeout: .seconds(5))
                )
                return
            } catch let error as RPCError
                where error.code == .failedPrecondition || error.code == .notFound || error.code == .invalidArgument
            {
                logger.warning(
                    "schedule refused a status change", metadata: ["game": "\(gameId)", "status": "\(status)", "error": "\(error)"])
                return
            } catch {
                logger.info(
                    "status report failed; retrying", metadata: ["game": "\(gameId)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        logger.error("gave up reporting a status change", metadata: ["game": "\(gameId)", "status": "\(status)"])
    }
}

/// A fixed set of games (tests, and running the score service without a schedule service).
public final class StaticGameDirectory: GameDirectory {
    private let games: Mutex<[String: Game]>
    private let reported = Mutex<[(String, GameStatus)]>([])

    public init(games: [Game]) {
        self.games = Mutex(Dictionary(games.map { ($0.id, $0) }, uniquingKeysWith: { $1 }))
    }

    public func add(_ game: Game) {
        games.withLock { $0[game.id] = game }
    }

    public func game(id: String) async throws -> Game? {
        games.withLock { $0[id] }
    }

    public func statusChanged(gameId: String, status: GameStatus) {
        reported.withLock { $0.append((gameId, status)) }
        games.withLock { $0[gameId]?.status = status }
    }

    /// The status changes reported so far.
    public var reportedStatuses: [(gameId: String, status: GameStatus)] {
        reported.withLock { $0.map { (gameId: $0.0, status: $0.1) } }
    }
}
