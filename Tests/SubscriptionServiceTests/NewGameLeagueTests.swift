import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import ScheduleService
import SubscriptionService
import TestSupport
import Testing

/// Issue 15: a game created and published to at once can reach the subscription service (from
/// the score service) before the schedule's WatchGames update of it. Here that update never
/// arrives (the subscription service reaches the schedule through a proxy that withholds it);
/// league- and team-filtered subscribers still get every event of the new game, in order.
@Suite(.serialized) struct NewGameLeagueTests {
    private func newGame(_ id: String, home: String = "wnba-LVA", away: String = "wnba-NYL") -> Game {
        Game(
            id: id, homeTeamId: home, awayTeamId: away, startTimeMs: 5, date: Cluster.today, venue: "Michelob Ultra Arena",
            status: .scheduled, leagueId: "wnba")
    }

    /// Creates the game in the schedule and publishes three events of it, one call each.
    private func createAndPublish(_ game: Game, cluster: Cluster) async throws {
        let scheduleClient = GRPCClient(host: "127.0.0.1", port: cluster.schedule.grpcPort ?? 0)
        defer { scheduleClient.close() }
        _ = try await ScheduleServiceClient(scheduleClient).upsertGames(UpsertGamesRequest(games: [game]))
        let (publisher, publisherClient) = cluster.publisher()
        defer { publisherClient.close() }
        for n in 1...3 {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event(game.id, n, home: UInt32(2 * n))]))
        }
    }

    @Test func aNewGamesEventsReachLeagueAndTeamSubscribersBeforeTheScheduleTells() async throws {
        let cluster = try await Cluster(withheldWatch: .forwards)
        let (subscriptions, client) = cluster.subscriptionClient()

        let byLeague = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(leagueIds: ["wnba"])), count: 3) {
            try await createAndPublish(newGame("w8"), cluster: cluster)
        }
        #expect(byLeague.map(\.label) == ["w8#1", "w8#2", "w8#3"])

        // Teams no other game of the cluster has (no initial snapshots).
        let byTeam = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(teamIds: ["wnba-CON"])), count: 3) {
            try await createAndPublish(newGame("w9", home: "wnba-CON", away: "wnba-PHO"), cluster: cluster)
        }
        #expect(byTeam.map(\.label) == ["w9#1", "w9#2", "w9#3"])
        #expect(cluster.subscription.schedule.league(of: "w9") == "wnba", "learnt from GetGame, not from WatchGames")

        client.close()
        await cluster.stop()
    }

    @Test func whenTheScheduleCannotAnswerANewGamesEventsAreRelayedAsBefore() async throws {
        let cluster = try await Cluster(withheldWatch: .fails)
        let (subscriptions, client) = cluster.subscriptionClient()

        let everything = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(allGames: true)), count: 3) {
            try await createAndPublish(newGame("w8"), cluster: cluster)
        }
        #expect(everything.map(\.label) == ["w8#1", "w8#2", "w8#3"])
        #expect(cluster.subscription.schedule.league(of: "w8") == nil)

        client.close()
        await cluster.stop()
    }
}
