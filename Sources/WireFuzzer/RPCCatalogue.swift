import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC
import NIOCore
import ProtobufC

/// The services the RPC mode runs in-process (and, with `--fail-on-purpose`, the planted fault).
enum FuzzedService: String, Sendable {
    case score, schedule, subscription, planted

    /// The real services.
    static let services: [FuzzedService] = [.score, .schedule, .subscription]
}

/// One RPC of one service as the fuzzer drives it: how to build a valid request, the request's
/// schema to mutate it by, and how to read an answer (which must decode as the response type).
struct RPCTarget: Sendable {
    enum Kind: Sendable {
        case unary, serverStreaming, clientStreaming
    }

    let service: FuzzedService
    let method: MethodDescriptor
    let kind: Kind
    let requestSchema: MessageSchema
    /// A valid request message, encoded.
    let validRequest: @Sendable (inout Generator, FuzzWorld) -> [UInt8]
    /// Decodes one response message (throws if it is not the response type) and learns from it.
    let observe: @Sendable (ByteBuffer, inout FuzzWorld) throws -> Void

    /// "/courtside.v1.ScoreService/ListEvents", with the service for Health ("…/Check@score").
    var name: String {
        method.service == HealthMethods.serviceName ? "\(method.path)@\(service.rawValue)" : method.path
    }

    static func make<Request: GRPCMessage & ProtobufCConvertible, Response: GRPCMessage>(
        _ service: FuzzedService, _ method: MethodDescriptor, _ kind: Kind = .unary, response: Response.Type,
        valid: @escaping @Sendable (inout Generator, FuzzWorld) -> Request,
        learn: @escaping @Sendable (Response, inout FuzzWorld) -> Void = { _, _ in }
    ) -> RPCTarget {
        RPCTarget(
            service: service, method: method, kind: kind, requestSchema: MessageSchema(Request.self),
            validRequest: { random, world in (try? valid(&random, world).serializedBytes()) ?? [] },
            observe: { buffer, world in learn(try Response(buffer: buffer), &world) }
        )
    }
}

/// Every RPC of the score, schedule and subscription services, and the health service of each.
enum RPCCatalogue {
    static let targets: [RPCTarget] = score + schedule + subscription + FuzzedService.services.flatMap(health)

    /// The methods the services define that no target covers (empty, or the catalogue is stale).
    static var uncoveredMethods: [String] {
        let defined = ScoreServiceMethods.all + ScheduleServiceMethods.all + SubscriptionServiceMethods.all + HealthMethods.all
        let covered = Set(targets.map(\.method.path))
        return defined.map(\.path).filter { !covered.contains($0) }
    }

    static let score: [RPCTarget] = [
        .make(.score, ScoreServiceMethods.publishEvents, response: PublishEventsResponse.self) { random, world in
            PublishEventsRequest(events: world.events(random: &random))
        } learn: { response, world in
            for result in response.results { world.learn(result.gameId, position: result.position) }
        },
        .make(.score, ScoreServiceMethods.publishEventStream, .clientStreaming, response: PublishEventsResponse.self) { random, world in
            PublishEventsRequest(events: world.events(random: &random))
        } learn: { response, world in
            for result in response.results { world.learn(result.gameId, position: result.position) }
        },
        .make(.score, ScoreServiceMethods.getSnapshots, response: GetSnapshotsResponse.self) { random, world in
            GetSnapshotsRequest(gameIds: (0..<Int.random(in: 0...3, using: &random)).map { _ in random.pick(world.gameIDs) })
        } learn: { response, world in
            for snapshot in response.snapshots { world.learn(snapshot) }
        },
        .make(.score, ScoreServiceMethods.streamEvents, .serverStreaming, response: StreamItem.self) { random, world in
            var cursors: [String: GameCursor] = [:]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let cursor = world.cursor(random: &random)
                cursors[cursor.gameId] = cursor
            }
            return StreamEventsRequest(games: cursors.values.sorted { $0.gameId < $1.gameId }, allGames: random.chance(0.3))
        } learn: { item, world in
            if let event = item.event { world.learn(event) }
            if let snapshot = item.snapshot { world.learn(snapshot) }
        },
        .make(.score, ScoreServiceMethods.listEvents, response: ListEventsResponse.self) { random, world in
            let gameId = random.pick(world.gameIDs)
            let last = world.positions[gameId]?.seq ?? 0
            var request = ListEventsRequest(
                gameId: gameId, pageSize: UInt32.random(in: 0...20, using: &random), newestFirst: random.chance(0.5))
            if random.chance(0.3) { request.beforeSeq = UInt64.random(in: 0...last + 2, using: &random) }
            if random.chance(0.3) { request.afterSeq = UInt64.random(in: 0...last + 2, using: &random) }
            if random.chance(0.2), let known = world.positions[gameId] {
                request.pageToken = PageToken(scope: known.epoch, number: last).encoded
            }
            return request
        } learn: { response, world in
            for event in response.events { world.learn(event) }
        },
    ]

    static let schedule: [RPCTarget] = [
        .make(.schedule, ScheduleServiceMethods.listLeagues, response: ListLeaguesResponse.self) { _, _ in ListLeaguesRequest() },
        .make(.schedule, ScheduleServiceMethods.listTeams, response: ListTeamsResponse.self) { random, _ in
            ListTeamsRequest(leagueIds: random.chance(0.5) ? [] : [random.pick(["nba", "wnba"])])
        },
        .make(.schedule, ScheduleServiceMethods.listGames, response: ListGamesResponse.self) { random, _ in
            ListGamesRequest(
                dateFrom: random.chance(0.5) ? FuzzWorld.today : "", dateTo: random.chance(0.5) ? "2099-12-31" : "",
                teamIds: (0..<Int.random(in: 0...2, using: &random)).map { _ in random.pick(FuzzWorld.teams) },
                statuses: (0..<Int.random(in: 0...2, using: &random)).map { _ in random.pick(GameStatus.specified) },
                pageSize: UInt32.random(in: 0...50, using: &random)
            )
        },
        .make(.schedule, ScheduleServiceMethods.getGame, response: Game.self) { random, world in
            GetGameRequest(gameId: random.pick(world.gameIDs))
        },
        .make(.schedule, ScheduleServiceMethods.upsertGames, response: UpsertGamesResponse.self) { random, _ in
            let ids = Set((0..<Int.random(in: 1...2, using: &random)).map { _ in random.pick(FuzzWorld.upsertedGameIDs) })
            return UpsertGamesRequest(
                games: ids.sorted().map { id in
                    let home = random.pick(FuzzWorld.teams)
                    return Game(
                        id: id, homeTeamId: home, awayTeamId: random.pick(FuzzWorld.teams.filter { $0 != home }),
                        startTimeMs: 1_700_000_000_000 + Int64.random(in: 0...100_000_000, using: &random), date: FuzzWorld.today,
                        venue: "Upserted Arena", status: .scheduled
                    )
                }
            )
        } learn: { response, world in
            for game in response.games { world.upserted.insert(game.id) }
        },
        .make(.schedule, ScheduleServiceMethods.updateGameStatus, response: Game.self) { random, world in
            UpdateGameStatusRequest(gameId: random.pick(world.gameIDs), status: random.pick(GameStatus.specified))
        },
        .make(.schedule, ScheduleServiceMethods.watchGames, .serverStreaming, response: GameChange.self) { random, world in
            WatchGamesRequest(
                gameIds: (0..<Int.random(in: 0...2, using: &random)).map { _ in random.pick(world.gameIDs) },
                sendInitial: random.chance(0.5))
        },
    ]

    static let subscription: [RPCTarget] = [
        .make(.subscription, SubscriptionServiceMethods.subscribe, .serverStreaming, response: StreamItem.self) { random, world in
            if random.chance(0.2) { return SubscribeRequest(subscriptionName: world.subscriptionName(random: &random)) }
            let resume = (0..<Int.random(in: 0...2, using: &random)).map { _ in world.cursor(random: &random) }
            return SubscribeRequest(filter: world.filter(random: &random), resume: resume)
        } learn: { item, world in
            if let event = item.event { world.learn(event) }
            if let snapshot = item.snapshot { world.learn(snapshot) }
        },
        .make(.subscription, SubscriptionServiceMethods.createSubscription, response: Subscription.self) { random, world in
            CreateSubscriptionRequest(name: random.pick(FuzzWorld.subscriptionNames), filter: world.filter(random: &random))
        } learn: { subscription, world in
            world.subscriptions.insert(subscription.name)
        },
        .make(.subscription, SubscriptionServiceMethods.getSubscription, response: Subscription.self) { random, world in
            GetSubscriptionRequest(name: world.subscriptionName(random: &random))
        },
        .make(.subscription, SubscriptionServiceMethods.deleteSubscription, response: DeleteSubscriptionResponse.self) { random, world in
            // Rarely: deleting is what makes every other subscription request NOT_FOUND.
            DeleteSubscriptionRequest(name: random.chance(0.3) ? world.subscriptionName(random: &random) : "fz-never-created")
        },
        .make(.subscription, SubscriptionServiceMethods.listSubscriptions, response: ListSubscriptionsResponse.self) { _, _ in
            ListSubscriptionsRequest()
        } learn: { response, world in
            world.subscriptions = Set(response.subscriptions.map(\.name).filter { $0 != FuzzWorld.canarySubscription })
        },
        .make(.subscription, SubscriptionServiceMethods.acknowledge, response: Subscription.self) { random, world in
            AcknowledgeRequest(
                name: world.subscriptionName(random: &random),
                positions: (0..<Int.random(in: 1...2, using: &random)).map { _ in
                    let gameId = random.pick(world.gameIDs)
                    return GameCursor(gameId: gameId, after: world.position(of: gameId, random: &random))
                }
            )
        },
    ]

    static func health(_ service: FuzzedService) -> [RPCTarget] {
        [
            .make(service, HealthMethods.check, response: HealthCheckResponse.self) { random, _ in
                HealthCheckRequest(service: random.pick(FuzzWorld.serviceNames))
            },
            .make(service, HealthMethods.watch, .serverStreaming, response: HealthCheckResponse.self) { random, _ in
                HealthCheckRequest(service: random.pick(FuzzWorld.serviceNames))
            },
        ]
    }
}
