import CourtsideProto
import CourtsideRPC
import EventRelay
import Foundation
import GRPC
import Logging
import Storage
import SubscriptionService
import TestSupport
import Testing

/// The subscription service's request fields over gRPC: every position at the boundaries,
/// every name and id empty, at its limit and over it, every repeated field over its count. The
/// answer is OK or a clear INVALID_ARGUMENT, OUT_OF_RANGE, NOT_FOUND or RESOURCE_EXHAUSTED,
/// never a crash (a trap would end this test process), and a refused call changes nothing.
@Suite(.serialized) struct SubscriptionRequestFieldTests {
    /// Acknowledge at every boundary of epoch and seq: up to 2^63−1 the cursor moves (never
    /// backwards within an epoch), beyond it the call is OUT_OF_RANGE and the cursor stays.
    @Test func acknowledgePositions() async throws {
        let cluster = try await Cluster()
        let (subscriptions, client) = cluster.subscriptionClient()
        _ = try await subscriptions.createSubscription(CreateSubscriptionRequest(name: "ack", filter: SubscriptionFilter(gameIds: ["g1"])))
        func cursor() async throws -> Position? {
            try await subscriptions.getSubscription(GetSubscriptionRequest(name: "ack")).cursors.first { $0.gameId == "g1" }?.after
        }
        func acknowledge(_ position: Position?, gameId: String = "g1", name: String = "ack") async -> GRPCStatusCode {
            await outcome {
                _ = try await subscriptions.acknowledge(
                    AcknowledgeRequest(name: name, positions: [GameCursor(gameId: gameId, after: position)]))
            }
        }
        for value in Boundary.unsigned64 {
            for position in [Position(epoch: value, seq: 5), Position(epoch: 5, seq: value)] {
                let before = try await cursor()
                let code = await acknowledge(position)
                if value <= UInt64(Int64.max) {
                    #expect(code == .ok, "\(position)")
                    let expected = before?.epoch == position.epoch && before!.seq > position.seq ? before : position
                    #expect(try await cursor() == expected)
                } else {
                    #expect(code == .outOfRange, "\(position)")
                    #expect(try await cursor() == before, "a refused acknowledgement leaves the cursor")
                }
            }
        }
        let kept = try await cursor()
        #expect(await acknowledge(nil) == .invalidArgument)
        #expect(await acknowledge(Position(epoch: 1, seq: 1), gameId: "") == .invalidArgument)
        #expect(await acknowledge(Position(epoch: 1, seq: 1), gameId: String(repeating: "g", count: 129)) == .invalidArgument)
        #expect(await acknowledge(Position(epoch: 1, seq: 1), gameId: "unknown-game") == .notFound)
        #expect(await acknowledge(Position(epoch: 1, seq: 1), name: "nobody") == .notFound)
        let tooMany = Array(
            repeating: GameCursor(gameId: "g1", after: Position(epoch: 1, seq: 1)), count: RequestLimits.cursorsPerRequest + 1)
        #expect(
            await outcome { _ = try await subscriptions.acknowledge(AcknowledgeRequest(name: "ack", positions: tooMany)) }
                == .invalidArgument)
        // One bad position refuses the whole request: the good one before it is not stored.
        let mixed = [
            GameCursor(gameId: "g1", after: Position(epoch: 9, seq: 9)), GameCursor(gameId: "g2", after: Position(epoch: 1, seq: 1 << 63)),
        ]
        #expect(await outcome { _ = try await subscriptions.acknowledge(AcknowledgeRequest(name: "ack", positions: mixed)) } == .outOfRange)
        #expect(try await cursor() == kept)
        client.close()
        await cluster.stop()
    }

    @Test func namesOfEveryDurableCall() async throws {
        let cluster = try await Cluster()
        let (subscriptions, client) = cluster.subscriptionClient()
        let filter = SubscriptionFilter(gameIds: ["g1"])
        let cases: [(String, GRPCStatusCode)] = [
            ("", .invalidArgument),
            (String(repeating: "n", count: RequestLimits.subscriptionNameBytes), .ok),
            (String(repeating: "n", count: RequestLimits.subscriptionNameBytes + 1), .invalidArgument),
            ("a b", .invalidArgument),
            ("é", .invalidArgument),
            ("a.b_c-9", .ok),
        ]
        for (name, expected) in cases {
            #expect(
                await outcome { _ = try await subscriptions.createSubscription(CreateSubscriptionRequest(name: name, filter: filter)) }
                    == expected)
            #expect(await outcome { _ = try await subscriptions.getSubscription(GetSubscriptionRequest(name: name)) } == expected)
            #expect(await outcome { _ = try await subscriptions.acknowledge(AcknowledgeRequest(name: name)) } == expected)
            #expect(await outcome { _ = try await read(subscriptions, SubscribeRequest(subscriptionName: name), count: 1) } == expected)
            #expect(await outcome { _ = try await subscriptions.deleteSubscription(DeleteSubscriptionRequest(name: name)) } == expected)
        }
        #expect(
            try await subscriptions.listSubscriptions(ListSubscriptionsRequest()).subscriptions.isEmpty,
            "every refused create stored nothing")
        #expect(await outcome { _ = try await subscriptions.getSubscription(GetSubscriptionRequest(name: "missing")) } == .notFound)
        client.close()
        await cluster.stop()
    }

    @Test func filtersOfCreateAndSubscribe() async throws {
        let cluster = try await Cluster(maximumSubscriptions: 2)
        let (subscriptions, client) = cluster.subscriptionClient()
        let cases: [(SubscriptionFilter, GRPCStatusCode)] = [
            (SubscriptionFilter(), .invalidArgument),
            (SubscriptionFilter(gameIds: [""]), .invalidArgument),
            (SubscriptionFilter(gameIds: [String(repeating: "g", count: 129)]), .invalidArgument),
            (SubscriptionFilter(gameIds: [String(repeating: "g", count: 128)]), .notFound),
            (SubscriptionFilter(gameIds: ["g1", "unknown-game"]), .notFound),
            (SubscriptionFilter(gameIds: Array(repeating: "g1", count: RequestLimits.gameIDsPerRequest + 1)), .invalidArgument),
            (SubscriptionFilter(teamIds: [""]), .invalidArgument),
            (SubscriptionFilter(teamIds: [String(repeating: "T", count: RequestLimits.teamIDBytes + 1)]), .invalidArgument),
            (SubscriptionFilter(teamIds: ["QQQ"]), .notFound),
            (SubscriptionFilter(teamIds: Array(repeating: "BOS", count: RequestLimits.teamIDsPerRequest + 1)), .invalidArgument),
        ]
        for (index, (filter, expected)) in cases.enumerated() {
            #expect(
                await outcome {
                    _ = try await subscriptions.createSubscription(CreateSubscriptionRequest(name: "f\(index)", filter: filter))
                } == expected, "case \(index)")
            #expect(
                await outcome { _ = try await read(subscriptions, SubscribeRequest(filter: filter), count: 1) } == expected, "case \(index)"
            )
        }
        #expect(try await subscriptions.listSubscriptions(ListSubscriptionsRequest()).subscriptions.isEmpty)

        // At most `maximumSubscriptions`: the next one is RESOURCE_EXHAUSTED until one is deleted.
        for name in ["one", "two"] {
            _ = try await subscriptions.createSubscription(
                CreateSubscriptionRequest(name: name, filter: SubscriptionFilter(teamIds: ["BOS"])))
        }
        #expect(
            await outcome {
                _ = try await subscriptions.createSubscription(
                    CreateSubscriptionRequest(name: "three", filter: SubscriptionFilter(allGames: true)))
            } == .resourceExhausted)
        #expect(
            await outcome {
                _ = try await subscriptions.createSubscription(
                    CreateSubscriptionRequest(name: "one", filter: SubscriptionFilter(allGames: true)))
            } == .alreadyExists)
        #expect(try await subscriptions.listSubscriptions(ListSubscriptionsRequest()).subscriptions.map(\.name) == ["one", "two"])
        _ = try await subscriptions.deleteSubscription(DeleteSubscriptionRequest(name: "two"))
        #expect(
            await outcome {
                _ = try await subscriptions.createSubscription(
                    CreateSubscriptionRequest(name: "three", filter: SubscriptionFilter(allGames: true)))
            } == .ok)
        client.close()
        await cluster.stop()
    }

    /// Resume positions at every boundary of seq: a position the log has continues after it,
    /// one ahead of it starts over from a snapshot, one no log can reach is OUT_OF_RANGE.
    @Test func subscribeResumePositions() async throws {
        let cluster = try await Cluster()
        let (publisher, publisherClient) = cluster.publisher()
        let (subscriptions, client) = cluster.subscriptionClient()
        let published = try await publisher.publishEvents(PublishEventsRequest(events: (1...3).map { event("g1", $0, home: UInt32($0)) }))
        let epoch = try #require(published.results.first?.position?.epoch)
        // Wait until the relay has them.
        try await waitFor("relay") { cluster.subscription.relay.head("g1")?.lastSeq == 3 }
        for value in Boundary.unsigned64 {
            let request = SubscribeRequest(
                filter: SubscriptionFilter(gameIds: ["g1"]), resume: [GameCursor(gameId: "g1", after: Position(epoch: epoch, seq: value))])
            var items: [StreamItem] = []
            let code = await outcome {
                items = try await subscriptions.subscribe(request, options: CallOptions(timeout: .seconds(2))) { stream in
                    var items: [StreamItem] = []
                    for try await item in stream {
                        items.append(item)
                        break
                    }
                    return items
                }
            }
            switch value {
            case 0...2:
                #expect(code == .ok)
                #expect(items.first?.event?.position?.seq == value + 1)
            case 3:
                #expect(code == .deadlineExceeded, "up to date: nothing to send")
            case ...UInt64(Int64.max):
                #expect(code == .ok)
                #expect(items.first?.reason == .reset)
            default:
                #expect(code == .outOfRange)
            }
        }
        let tooMany = (0...RequestLimits.cursorsPerRequest).map { GameCursor(gameId: "g\($0)") }
        #expect(
            await outcome {
                _ = try await read(subscriptions, SubscribeRequest(filter: SubscriptionFilter(allGames: true), resume: tooMany), count: 1)
            } == .invalidArgument)
        #expect(
            await outcome {
                _ = try await read(
                    subscriptions, SubscribeRequest(filter: SubscriptionFilter(allGames: true), resume: [GameCursor(gameId: "")]), count: 1)
            } == .invalidArgument)
        client.close()
        publisherClient.close()
        await cluster.stop()
    }
}

/// The subscription stores with positions at a signed 64-bit column's limit: stored and read
/// back up to it, refused (not a trap) beyond it, on SQLite and PostgreSQL.
@Suite struct SubscriptionStoreNumberTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    private func store(_ kind: Kind) async throws -> any SubscriptionStore {
        switch kind {
        case .sqlite:
            return try SQLiteSubscriptionStore(location: .sqliteMemory)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["COURTSIDE_TEST_POSTGRES_URL"],
                case .postgres(let settings) = try StorageLocation(parsing: url)
            else {
                throw SetupError("COURTSIDE_TEST_POSTGRES_URL is not set: run the tests through scripts/with-postgres (make test does)")
            }
            return try await PostgresSubscriptionStore(settings: settings, logger: Logger(label: "test-store"))
        }
    }

    @Test(arguments: Kind.allCases)
    func positionsUpToTheColumnLimit(kind: Kind) async throws {
        let store = try await store(kind)
        let name = "n-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await store.create(name: name, filter: SubscriptionFilter(allGames: true), createdAtMs: 1, maximumCount: .max)
        let top = UInt64(Int64.max)
        let stored = try await store.acknowledge(name: name, positions: [GameCursor(gameId: "g", after: Position(epoch: top, seq: top))])
        #expect(stored?.cursors.first?.after == Position(epoch: top, seq: top))
        await #expect(throws: StoredIntegerError.self) {
            _ = try await store.acknowledge(name: name, positions: [GameCursor(gameId: "g", after: Position(epoch: top + 1, seq: 1))])
        }
        #expect(try await store.get(name: name)?.cursors.first?.after == Position(epoch: top, seq: top))
        _ = try await store.delete(name: name)
        await store.close()
    }
    /// The creator is stored with the subscription (migration 002) and read back for the
    /// ownership check; a subscription created anonymously has the empty owner.
    @Test(arguments: Kind.allCases)
    func theOwnerIsStoredWithTheSubscription(kind: Kind) async throws {
        let store = try await store(kind)
        let owned = "o-\(UUID().uuidString.prefix(8).lowercased())"
        let anonymous = "a-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await store.create(
            name: owned, filter: SubscriptionFilter(allGames: true), owner: "alice", createdAtMs: 1, maximumCount: .max)
        _ = try await store.create(name: anonymous, filter: SubscriptionFilter(allGames: true), createdAtMs: 1, maximumCount: .max)
        #expect(try await store.owner(of: owned) == "alice")
        #expect(try await store.owner(of: anonymous) == "")
        #expect(try await store.owner(of: "missing-\(owned)") == nil)
        _ = try await store.delete(name: owned)
        _ = try await store.delete(name: anonymous)
        #expect(try await store.owner(of: owned) == nil)
        await store.close()
    }
}
