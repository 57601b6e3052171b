import ArgumentParser
import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish one event to the score service.",
        discussion: """
            Example: courtside publish --game nba-0022000001 --source-id manual-1 --kind basket --team BOS \\
                       --points 2 --home 56 --away 50 --period 2 --clock 6:55 --status live
            Publishing the same --source-id again returns the original position.
            """
    )

    @Option(help: "The game's id.") var game: String
    @Option(help: "Your id for this event (publishing it again is a no-op).") var sourceId: String
    @Option(
        help:
            "basket, free_throw, miss, rebound, turnover, foul, violation, timeout, substitution, jump_ball, period_start, period_end, status_change, correction, clock or other."
    )
    var kind: String
    @Option(help: "The team the event belongs to (tricode).") var team: String = ""
    @Option(help: "Points scored by the event (0–3).") var points: UInt32 = 0
    @Option(help: "Home score after the event.") var home: UInt32
    @Option(help: "Away score after the event.") var away: UInt32
    @Option(help: "Period after the event (1–4, 5+ overtime).") var period: UInt32
    @Option(help: "Game clock after the event, M:SS (time left in the period).") var clock: String = "12:00"
    @Flag(help: "The clock is running after the event.") var clockRunning = false
    @Option(help: "scheduled, live, halftime, final, postponed or cancelled.") var status: String = "live"
    @Option(help: "Text of the event.") var description: String = ""
    @Option(help: "Player.") var player: String = ""

    @OptionGroup var addresses: Addresses

    func clockMilliseconds() throws -> UInt32 {
        let parts = clock.split(separator: ":")
        guard parts.count == 2, let minutes = UInt32(parts[0]), let seconds = UInt32(parts[1]), seconds < 60 else {
            throw ValidationError("--clock must be M:SS (got '\(clock)')")
        }
        return (minutes * 60 + seconds) * 1000
    }

    func validate() throws {
        guard EventKind(name: kind) != nil else {
            throw ValidationError("--kind '\(kind)' is not one of \(EventKind.specified.map(\.name).joined(separator: ", "))")
        }
        guard GameStatus(name: status) != nil else {
            throw ValidationError("--status '\(status)' is not one of \(GameStatus.specified.map(\.name).joined(separator: ", "))")
        }
        guard points <= 3 else { throw ValidationError("--points must be 0–3") }
        _ = try clockMilliseconds()
    }

    func run() async throws {
        let client = try addresses.client(addresses.scoreAddr, "--score-addr")
        defer { client.close() }
        let event = Event(
            gameId: game, sourceId: sourceId, kind: EventKind(name: kind) ?? .other, teamId: team.uppercased(), points: points,
            player: player,
            description: description,
            state: GameState(
                homeScore: home, awayScore: away, period: period, clockMs: try clockMilliseconds(), clockRunning: clockRunning,
                status: GameStatus(name: status) ?? .live),
            occurredAtMs: UnixTime.nowMs()
        )
        do {
            let response = try await ScoreServiceClient(client).publishEvents(
                PublishEventsRequest(events: [event]), options: CallOptions(timeout: .seconds(10)))
            for result in response.results {
                print(
                    "\(result.gameId) \(result.sourceId) → position \(Format.position(result.position))\(result.duplicate ? " (already published)" : "")"
                )
            }
        } catch {
            throw explain(error, service: "score", address: addresses.scoreAddr)
        }
    }
}
