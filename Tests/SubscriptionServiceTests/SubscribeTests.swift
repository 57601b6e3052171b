import CourtsideProto
import CourtsideRPC
import EventRelay
import Foundation
import GRPC
import Storage
import SubscriptionService
import TestSupport
import Testing

@Suite(.serialized) struct SubscribeTests {
    @Test func gameTeamAndLiveFiltersDeliverExactlyWhatTheyMatch() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()

        // By game: the initial snapshot, then only g1's events.
        let byGame = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(gameIds: ["g1"])), count: 3) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g2", 1, home: 2), event("g1", 1, home: 2)]))
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g2", 2, home: 4), event("g1", 2, home: 4)]))
        }
        #expect(byGame.map(\.label) == ["g1@0:SNAPSHOT_REASON_INITIAL", "g1#1", "g1#2"])

        // By team: today's BOS game (g1) starts with a snapshot; tomorrow's (g3) is followed as it gets events.
        let byTeam = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(teamIds: ["BOS"])), count: 3) {
            _ = try await publisher.publishEvents(
                PublishEventsRequest(events: [event("g2", 3, home: 6), event("g3", 1, home: 2), event("g1", 3, home: 6)]))
        }
        #expect(byTeam.map(\.label) == ["g1@2:SNAPSHOT_REASON_INITIAL", "g3#1", "g1#3"])

        // All live: g1, g2 and g3 are live now (their events said so); the event that ends g2 is delivered too.
        let allLive = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(allLive: true)), count: 5) {
            _ = try await publisher.publishEvents(
                PublishEventsRequest(events: [event("g2", 4, home: 6, period: 4, status: .final, kind: .statusChange)]))
            _ = try await publisher.publishEvents(
                PublishEventsRequest(events: [event("g2", 5, home: 6, period: 4, status: .final, kind: .correction)]))
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 4, home: 8)]))
        }
        #expect(Array(allLive.prefix(3)).allSatisfy { $0.reason == .initial }, "snapshots of the live games first")
        #expect(Set(allLive.prefix(3).map { $0.snapshot?.gameId ?? "" }) == ["g1", "g2", "g3"])
        #expect(allLive.suffix(2).map(\.label) == ["g2#4", "g1#4"], "g2's final event, not its later correction")

        // Unknown names are refused.
        await #expect(throws: RPCError.self) {
            _ = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(gameIds: ["nope"])), count: 1)
        }
        await #expect(throws: RPCError.self) {
            _ = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter()), count: 1)
        }
        client.close()
        publisherClient.close()
        await cluster.stop()
    }

    /// A subscriber without resume positions starts at "now"; the response headers mark that
    /// moment, so an event published after them always arrives.
    @Test func theResponseHeadersMeanTheSubscriptionIsRegistered() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()
        for round in 1...20 {
            let item = try await subscriptions.subscribe(
                SubscribeRequest(filter: SubscriptionFilter(allGames: true)), options: CallOptions(timeout: .seconds(20))
            ) { stream -> StreamItem? in
                _ = try await stream.metadata
                _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", round, home: UInt32(round))]))
                var iterator = stream.makeAsyncIterator()
                return try await iterator.next()
            }
            #expect(item?.label == "g1#\(round)")
        }
        client.close()
        publisherClient.close()
        await cluster.stop()
    }

    @Test func resumingFromPositionsDeliversExactlyTheRest() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()
        let published = try await publisher.publishEvents(PublishEventsRequest(events: (1...40).map { event("g1", $0, home: UInt32($0)) }))
        let epoch = try #require(published.results.first?.position?.epoch)
        try await waitFor("relay") { cluster.subscription.relay.head("g1")?.lastSeq == 40 }
        for (round, after) in [0, 1, 17, 39, 40].enumerated() {
            // Each round publishes one more event while reading: the head is 40 + round before it.
            let last = 41 + round
            let items = try await read(
                subscriptions,
                SubscribeRequest(
                    filter: SubscriptionFilter(gameIds: ["g1"]),
                    resume: [GameCursor(gameId: "g1", after: Position(epoch: epoch, seq: UInt64(after)))]),
                count: last - after
            ) {
                _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 1000 + round, home: 100 + UInt32(round))]))
            }
            #expect(items.compactMap { $0.event?.position?.seq } == Array(UInt64(after + 1)...UInt64(last)), "resume after \(after)")
        }
        // Another epoch: a reset snapshot.
        let reset = try await read(
            subscriptions,
            SubscribeRequest(
                filter: SubscriptionFilter(gameIds: ["g1"]), resume: [GameCursor(gameId: "g1", after: Position(epoch: epoch + 7, seq: 3))]),
            count: 1
        )
        #expect(reset.first?.reason == .reset)
        client.close()
        publisherClient.close()
        await cluster.stop()
    }

    @Test func aSlowSubscriberEndsWithResourceExhaustedAndResumes() async throws {
        let cluster = try await Cluster(subscriptionQueue: 20)
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()
        let outcome: RPCError? = try await subscriptions.subscribe(
            SubscribeRequest(filter: SubscriptionFilter(gameIds: ["g1"])), options: CallOptions(timeout: .seconds(60))
        ) { stream in
            var iterator = stream.makeAsyncIterator()
            _ = try await iterator.next()  // the initial snapshot
            for batch in stride(from: 1, through: 24_001, by: 1000) {
                _ = try await publisher.publishEvents(
                    PublishEventsRequest(events: (batch..<(batch + 1000)).map { event("g1", $0, home: UInt32($0)) }))
            }
            do {
                while try await iterator.next() != nil {}
                return nil
            } catch let error as RPCError {
                return error
            }
        }
        let error = try #require(outcome)
        #expect(error.code == .resourceExhausted)
        let cursors = try #require(SlowSubscriber.resumeCursors(in: error))
        let position = try #require(cursors.cursors.first { $0.gameId == "g1" }?.after)
        let rest = try await read(
            subscriptions,
            SubscribeRequest(filter: SubscriptionFilter(gameIds: ["g1"]), resume: [GameCursor(gameId: "g1", after: position)]), count: 5
        )
        #expect(rest.compactMap { $0.event?.position?.seq } == Array((position.seq + 1)...(position.seq + 5)))
        client.close()
        publisherClient.close()
        await cluster.stop()
    }

    @Test func theUpstreamStreamResumesWhenTheScoreServiceRestarts() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()
        _ = try await publisher.publishEvents(PublishEventsRequest(events: (1...5).map { event("g1", $0, home: UInt32($0)) }))
        let items = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(gameIds: ["g1"])), count: 11) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: (6...7).map { event("g1", $0, home: UInt32($0)) }))
            await cluster.stopScore()
            try await cluster.startScore()
            // Published while the subscription service is still reconnecting.
            let (again, againClient) = cluster.publisher()
            _ = try await again.publishEvents(PublishEventsRequest(events: (8...15).map { event("g1", $0, home: UInt32($0)) }))
            againClient.close()
        }
        #expect(items.first?.snapshot?.position?.seq == 5)
        #expect(items.dropFirst().compactMap { $0.event?.position?.seq } == Array(6...15))
        client.close()
        publisherClient.close()
        await cluster.stop()
    }
}

@Suite(.serialized) struct DurableSubscriptionTests {
    @Test func cursorsSurviveARestartAndUnacknowledgedEventsAreRedelivered() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("courtside-subs-\(UUID().uuidString)/subscription.sqlite")
            .path
        let cluster = try await Cluster(subscriptionStorage: .sqliteFile(path: path))
        let (publisher, publisherClient) = cluster.publisher()
        var (subscriptions, client) = cluster.subscriptionClient()

        let created = try await subscriptions.createSubscription(
            CreateSubscriptionRequest(name: "stats-svc", filter: SubscriptionFilter(gameIds: ["g1"])))
        #expect(created.name == "stats-svc")
        await #expect(throws: RPCError.self) {
            _ = try await subscriptions.createSubscription(
                CreateSubscriptionRequest(name: "stats-svc", filter: SubscriptionFilter(gameIds: ["g1"])))
        }
        await #expect(throws: RPCError.self) {
            _ = try await subscriptions.createSubscription(
                CreateSubscriptionRequest(name: "bad name!", filter: SubscriptionFilter(gameIds: ["g1"])))
        }
        let published = try await publisher.publishEvents(PublishEventsRequest(events: (1...10).map { event("g1", $0, home: UInt32($0)) }))
        let epoch = try #require(published.results.first?.position?.epoch)

        // First delivery: a snapshot (no cursor yet). Acknowledge up to 6.
        let first = try await read(subscriptions, SubscribeRequest(subscriptionName: "stats-svc"), count: 1)
        #expect(first.first?.snapshot?.position?.seq == 10)
        let acked = try await subscriptions.acknowledge(
            AcknowledgeRequest(name: "stats-svc", positions: [GameCursor(gameId: "g1", after: Position(epoch: epoch, seq: 6))]))
        #expect(acked.cursors.first?.after?.seq == 6)
        // A cursor never moves backwards.
        let notBack = try await subscriptions.acknowledge(
            AcknowledgeRequest(name: "stats-svc", positions: [GameCursor(gameId: "g1", after: Position(epoch: epoch, seq: 2))]))
        #expect(notBack.cursors.first?.after?.seq == 6)

        // Restart the subscription service on the same file.
        client.close()
        await cluster.stopSubscription()
        try await cluster.startSubscription()
        (subscriptions, client) = cluster.subscriptionClient()
        let listed = try await subscriptions.listSubscriptions(ListSubscriptionsRequest())
        #expect(listed.subscriptions.map(\.name) == ["stats-svc"])
        #expect(listed.subscriptions.first?.cursors.first?.after?.seq == 6)
        let resumed = try await read(subscriptions, SubscribeRequest(subscriptionName: "stats-svc"), count: 5) {
            _ = try await publisher.publishEvents(PublishEventsRequest(events: [event("g1", 11, home: 11)]))
        }
        #expect(
            resumed.compactMap { $0.event?.position?.seq } == [7, 8, 9, 10, 11], "at least once: everything after the acknowledged position"
        )

        _ = try await subscriptions.deleteSubscription(DeleteSubscriptionRequest(name: "stats-svc"))
        await #expect(throws: RPCError.self) {
            _ = try await subscriptions.getSubscription(GetSubscriptionRequest(name: "stats-svc"))
        }
        client.close()
        publisherClient.close()
        await cluster.stop()
    }
}
