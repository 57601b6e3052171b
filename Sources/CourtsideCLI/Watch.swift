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
            --league also narrows what --subscription brings to games of those leagues; a --game or --team of another league \
            is refused. The subscription service filters (and knows the leagues). Ctrl-C stops.
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
        let leagueIds = try LeagueOption.ids(leagues)
        let client = try addresses.client(addresses.subscriptionAddr, "--subscription-addr")
        defer { client.close() }
        let service = SubscriptionServiceClient(client)
        // The subscription service filters by league (and refuses a league it does not know,
        // or a --game/--team of another league): nothing of other leagues reaches us.
        var request = SubscribeRequest()
        if let subscription {
            request.subscriptionName = subscription
            if !leagueIds.isEmpty { request.filter = SubscriptionFilter(leagueIds: leagueIds) }
        } else {
            request.filter = SubscriptionFilter(
                gameIds: games, teamIds: teams.map(LeagueOption.teamId), allLive: games.isEmpty && teams.isEmpty, leagueIds: leagueIds)
        }
        let subscriptionName = subscription
        let acknowledge = self.acknowledge
        do {
            try await service.subscribe(request) { stream in
                var teamsByGame: [String: (String, String)] = [:]
                for try await item in stream {
                    switch item.item {
                    case .snapshot(let snapshot):
                        teamsByGame[snapshot.gameId] = (snapshot.homeTeamId, snapshot.awayTeamId)
                        let reason = item.reason == .reset ? "reset" : "now"
                        let rules = Format.periodRules(teamId: snapshot.homeTeamId)
                        emit(
                            "\(snapshot.gameId) @\(Format.position(snapshot.position)) [\(reason)] \(Format.state(snapshot.state, home: snapshot.homeTeamId, away: snapshot.awayTeamId, rules: rules))"
                        )
                    case .event(let event):
                        let teams = teamsByGame[event.gameId]
                        let (home, away) = teams ?? ("home", "away")
                        // Without a snapshot of the game, the scoring team (if any) tells its league.
                        let rules = Format.periodRules(teamId: teams?.0 ?? event.teamId)
                        let team = event.teamId.isEmpty ? "" : " \(event.teamId)"
                        emit(
                            "\(event.gameId) #\(event.position?.seq ?? 0) \(Format.state(event.state, home: home, away: away, rules: rules))  \(Format.kind(event.kind))\(team): \(event.description)"
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
