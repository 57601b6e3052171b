import ArgumentParser
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream live events to the terminal (through the subscription service).",
        discussion: """
            Without --game, --team or --subscription, follows every live game (with --league: every live game of those leagues). \
            --league also narrows what --game, --team and --subscription bring to games of those leagues. Ctrl-C stops.
            """
    )

    @Option(name: .customLong("game"), help: "A game to follow (repeatable).")
    var games: [String] = []

    @Option(name: .customLong("team"), help: "A team's tricode (or id, such as wnba-IND): follow all its games (repeatable).")
    var teams: [String] = []

    @Option(name: .customLong("league"), help: "Only games of this league: nba, wnba, … (repeatable, or comma-separated).")
    var leagues: [String] = []

    @Option(help: "Follow through this durable subscription (resumes from its cursor).")
    var subscription: String?

    @Flag(help: "Acknowledge each event to the durable subscription after printing it.")
    var acknowledge = false

    @OptionGroup var addresses: Addresses

    func validate() throws {
        if acknowledge && subscription == nil {
            throw ValidationError("--acknowledge needs --subscription")
        }
        _ = try LeagueOption.ids(leagues)
    }

    func run() async throws {
        let leagueIds = Set(try LeagueOption.ids(leagues))
        // The subscription service's filter has no league: the games of other leagues are
        // skipped here, each game's league asked of the schedule once.
        var leagueOf: LeagueLookup?
        if !leagueIds.isEmpty {
            let scheduleClient = try addresses.client(addresses.scheduleAddr, "--schedule-addr")
            let schedule = ScheduleServiceClient(scheduleClient)
            do {
                try await LeagueOption.checkKnown(leagueIds.sorted(), schedule: schedule)
            } catch let error as ValidationError {
                scheduleClient.close()
                throw error
            } catch {
                scheduleClient.close()
                throw explain(error, service: "schedule", address: addresses.scheduleAddr)
            }
            leagueOf = LeagueLookup(client: scheduleClient)
        }
        defer { leagueOf?.close() }
        let client = try addresses.client(addresses.subscriptionAddr, "--subscription-addr")
        defer { client.close() }
        let service = SubscriptionServiceClient(client)
        var request = SubscribeRequest()
        if let subscription {
            request.subscriptionName = subscription
        } else {
            request.filter = SubscriptionFilter(
                gameIds: games, teamIds: teams.map(LeagueOption.teamId), allLive: games.isEmpty && teams.isEmpty)
        }
        let subscriptionName = subscription
        let acknowledge = self.acknowledge
        let lookup = leagueOf
        do {
            try await service.subscribe(request) { stream in
                var teamsByGame: [String: (String, String)] = [:]
                for try await item in stream {
                    if let lookup, let gameId = item.event?.gameId ?? item.snapshot?.gameId {
                        let league = try await lookup.league(of: gameId)
                        if !leagueIds.contains(league) { continue }
                    }
                    switch item.item {
                    case .snapshot(let snapshot):
                        teamsByGame[snapshot.gameId] = (snapshot.homeTeamId, snapshot.awayTeamId)
                        let reason = item.reason == .reset ? "reset" : "now"
                        emit(
                            "\(snapshot.gameId) @\(Format.position(snapshot.position)) [\(reason)] \(Format.state(snapshot.state, home: snapshot.homeTeamId, away: snapshot.awayTeamId))"
                        )
                    case .event(let event):
                        let (home, away) = teamsByGame[event.gameId] ?? ("home", "away")
                        let team = event.teamId.isEmpty ? "" : " \(event.teamId)"
                        emit(
                            "\(event.gameId) #\(event.position?.seq ?? 0) \(Format.state(event.state, home: home, away: away))  \(Format.kind(event.kind))\(team): \(event.description)"
                        )
                        if acknowledge, let name = subscriptionName {
                            _ = try await service.acknowledge(
                                AcknowledgeRequest(name: name, positions: [GameCursor(gameId: event.gameId, after: event.position)]))
                        }
                    case nil:
                        break
                    }
                }
            }
        } catch {
            throw explain(error, service: "subscription", address: addresses.subscriptionAddr)
        }
    }
}

/// Each game's league, asked of the schedule service once per game (`watch --league`).
actor LeagueLookup {
    private let client: GRPCClient
    private let schedule: ScheduleServiceClient
    private var leagues: [String: String] = [:]

    init(client: GRPCClient) {
        self.client = client
        self.schedule = ScheduleServiceClient(client)
    }

    /// The game's league ("" when the schedule does not know the game; "" in the schedule is the NBA).
    func league(of gameId: String) async throws -> String {
        if let known = leagues[gameId] { return known }
        let league: String
        do {
            let game = try await schedule.getGame(GetGameRequest(gameId: gameId), options: CallOptions(timeout: .seconds(10)))
            league = game.leagueId.isEmpty ? "nba" : game.leagueId
        } catch let error as RPCError where error.code == .notFound {
            league = ""
        }
        if leagues.count >= 100_000 { leagues.removeAll() }
        leagues[gameId] = league
        return league
    }

    nonisolated func close() {
        client.close()
    }
}

/// Writes a line at once: a watcher is often piped into another program, and stdio would hold
/// the lines back in its buffer.
/// When the reader goes away (`courtside watch | head`), stop quietly.
func emit(_ line: String) {
    do {
        try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
    } catch {
        exit(0)
    }
}
