import CourtsideProto
import CourtsideRPC
import EventRelay
import Foundation
import GRPC
import SubscriptionService
import TestSupport
import Testing

/// `league_ids` in a subscription filter: it narrows snapshots, catch-up and live events to the
/// games of those leagues, on its own follows every game of them, and is checked as
/// `ListGames` checks it.
@Suite(.serialized) struct LeagueFilterTests {
    @Test func aLeagueFilterDeliversOnlyThatLeaguesGames() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()

        // Leagues alone: every WNBA game, nothing of the NBA's published around it.
        let wnba = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(leagueIds: ["wnba"])), count: 2) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 1, home: 2), event("w1", 1, home: 2)]))
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g2", 1, home: 2), event("g3", 1, home: 2)]))
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 2, home: 4), event("w1", 2, home: 4)]))
        }
        #expect(wnba.map(\.label) == ["w1#1", "w1#2"])

        // All live, NBA only: the initial snapshots are of the live NBA games (not w1), then only their events.
        let nbaLive = try await read(
            subscriptions, SubscribeRequest(filter: SubscriptionFilter(allLive: true, leagueIds: ["nba"])), count: 4
        ) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("w1", 3, home: 6), event("g2", 2, home: 4)]))
        }
        #expect(Set(nbaLive.prefix(3).map { $0.snapshot?.gameId ?? "" }) == ["g1", "g2", "g3"])
        #expect(nbaLive.prefix(3).allSatisfy { $0.reason == .initial })
        #expect(nbaLive.last?.label == "g2#2")

        // Resume positions of games of other leagues are not caught up.
        let epoch = try #require(
            try await publisher.publishEvents(PublishEventsRequest(events: [event("w1", 4, home: 8)])).results.first?.position?.epoch)
        let resumed = try await read(
            subscriptions,
            SubscribeRequest(
                filter: SubscriptionFilter(gameIds: ["w1"], leagueIds: ["wnba"]),
                resume: [
                    GameCursor(gameId: "w1", after: Position(epoch: epoch, seq: 2)),
                    GameCursor(gameId: "g1", after: Position(epoch: epoch, seq: 0)),
                ]),
            count: 3
        ) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 3, home: 6), event("w1", 5, home: 10)]))
        }
        #expect(resumed.map(\.label) == ["w1#3", "w1#4", "w1#5"])

        client.close()
        publisherClient.close()
        await cluster.stop()
    }

    @Test func badLeagueFiltersAreRefused() async throws {
        let cluster = try await Cluster()
        let (subscriptions, client) = cluster.subscriptionClient()
        func refusal(_ filter: SubscriptionFilter) async -> RPCError? {
            do {
                _ = try await read(subscriptions, SubscribeRequest(filter: filter), count: 1)
                return nil
            } catch {
                return error as? RPCError
            }
        }
        let unknown = await refusal(SubscriptionFilter(leagueIds: ["wnba", "cba"]))
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message.contains("filter.league_ids[1]") == true && unknown?.message.contains("cba") == true)
        let malformed = await refusal(SubscriptionFilter(leagueIds: ["w nba"]))
        #expect(malformed?.code == .invalidArgument && malformed?.message.contains("filter.league_ids[0]") == true)
        let tooMany = await refusal(SubscriptionFilter(leagueIds: Array(repeating: "nba", count: 21)))
        #expect(tooMany?.code == .invalidArgument && tooMany?.message.contains("at most 20") == true)
        let otherGame = await refusal(SubscriptionFilter(gameIds: ["g1"], leagueIds: ["wnba"]))
        #expect(otherGame?.code == .invalidArgument && otherGame?.message.contains("'g1' is of league nba") == true)
        let otherTeam = await refusal(SubscriptionFilter(teamIds: ["wnba-IND"], leagueIds: ["nba"]))
        #expect(otherTeam?.code == .invalidArgument && otherTeam?.message.contains("filter.team_ids") == true)

        let created = await rpcError {
            _ = try await subscriptions.createSubscription(
                CreateSubscriptionRequest(name: "bad", filter: SubscriptionFilter(leagueIds: ["nfl"])))
        }
        #expect(created?.code == .notFound)
        client.close()
        await cluster.stop()
    }

    @Test func aDurableSubscriptionKeepsItsLeaguesAndASubscribeMayNarrowThem() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()

        let created = try await subscriptions.createSubscription(
            CreateSubscriptionRequest(name: "wnba-stats", filter: SubscriptionFilter(leagueIds: ["wnba"])))
        #expect(created.filter?.leagueIds == ["wnba"])
        #expect(try await subscriptions.getSubscription(GetSubscriptionRequest(name: "wnba-stats")).filter?.leagueIds == ["wnba"])
        let durable = try await read(subscriptions, SubscribeRequest(subscriptionName: "wnba-stats"), count: 1) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 1, home: 2), event("w1", 1, home: 2)]))
        }
        #expect(durable.map(\.label) == ["w1#1"])

        // A subscription of every game, narrowed to the WNBA by the Subscribe request.
        _ = try await subscriptions.createSubscription(
            CreateSubscriptionRequest(name: "everything", filter: SubscriptionFilter(allGames: true)))
        let narrowed = try await read(
            subscriptions, SubscribeRequest(filter: SubscriptionFilter(leagueIds: ["wnba"]), subscriptionName: "everything"), count: 1
        ) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g2", 1, home: 2), event("w1", 2, home: 4)]))
        }
        #expect(narrowed.map(\.label) == ["w1#2"])
        let disjoint = await rpcError {
            _ = try await read(
                subscriptions, SubscribeRequest(filter: SubscriptionFilter(leagueIds: ["nba"]), subscriptionName: "wnba-stats"), count: 1)
        }
        #expect(disjoint?.code == .invalidArgument)
        client.close()
        publisherClient.close()
        await cluster.stop()
    }
}

/// The RPCError `body` throws, nil when it succeeds.
private func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? RPCError
    }
}
