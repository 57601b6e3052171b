import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC

/// Valid requests whose right answers are known, made every few cases: they show that each
/// service still works, not only that it still answers. They use the canary game and
/// subscription, which no fuzzed request names, so nothing the fuzzer did can change the answer.
struct LivenessProbe {
    let cluster: InProcessCluster
    /// Canary events published so far: the next one gets seq `published + 1`.
    private var published: UInt64 = 0
    private var epoch: UInt64?

    init(cluster: InProcessCluster) {
        self.cluster = cluster
    }

    private static let options = CallOptions(timeout: .seconds(20))

    private struct Wrong: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates the canary subscription.
    func setUp() async throws {
        let subscriptions = SubscriptionServiceClient(cluster.client(.subscription))
        _ = try await subscriptions.createSubscription(
            CreateSubscriptionRequest(name: FuzzWorld.canarySubscription, filter: SubscriptionFilter(gameIds: [FuzzWorld.canaryGame.id])),
            options: Self.options
        )
    }

    /// What is wrong with the services now (empty: every check passed).
    mutating func check() async -> [String] {
        var problems: [String] = []
        for service in FuzzedService.services {
            do {
                let health = try await HealthClient(cluster.client(service)).check(HealthCheckRequest(), options: Self.options)
                if health.status != .serving { problems.append("\(service): health check says \(health.status)") }
            } catch {
                problems.append("\(service): health check failed: \(error)")
            }
        }
        do {
            try await checkSchedule()
        } catch {
            problems.append("schedule: \(error)")
        }
        do {
            try await checkScoreAndSubscription()
        } catch {
            problems.append("score/subscription: \(error)")
        }
        return problems
    }

    private func checkSchedule() async throws {
        let schedule = ScheduleServiceClient(cluster.client(.schedule))
        let game = try await schedule.getGame(GetGameRequest(gameId: FuzzWorld.canaryGame.id), options: Self.options)
        guard game.id == FuzzWorld.canaryGame.id, game.homeTeamId == FuzzWorld.canaryGame.homeTeamId,
            game.awayTeamId == FuzzWorld.canaryGame.awayTeamId
        else { throw Wrong(description: "GetGame answered another game: \(game)") }
        let teams = try await schedule.listTeams(ListTeamsRequest(), options: Self.options)
        let nba = teams.teams.filter { $0.leagueId == "nba" }.count
        guard nba == 30 else { throw Wrong(description: "ListTeams answered \(nba) NBA teams, not 30") }
    }

    /// Publishes the next canary event, then reads it back from score's history, from a new
    /// subscription, and acknowledges it on the canary subscription.
    private mutating func checkScoreAndSubscription() async throws {
        let score = ScoreServiceClient(cluster.client(.score))
        let next = published + 1
        let event = Event(
            gameId: FuzzWorld.canaryGame.id, sourceId: "canary-\(next)", kind: .freeThrow, teamId: FuzzWorld.canaryGame.homeTeamId,
            points: 1,
            description: "canary",
            state: GameState(homeScore: UInt32(truncatingIfNeeded: next), period: 1, clockMs: 600_000, status: .live),
            occurredAtMs: UnixTime.nowMs()
        )
        let results = try await score.publishEvents(PublishEventsRequest(events: [event]), options: Self.options).results
        guard results.count == 1, let position = results[0].position, position.seq == next, !results[0].duplicate,
            epoch == nil || position.epoch == epoch
        else { throw Wrong(description: "PublishEvents answered \(results) for the canary's event \(next)") }
        published = next
        epoch = position.epoch

        let history = try await score.listEvents(
            ListEventsRequest(gameId: FuzzWorld.canaryGame.id, pageSize: 1, newestFirst: true), options: Self.options
        )
        guard history.events.first?.sourceId == event.sourceId else {
            throw Wrong(description: "ListEvents answered \(history.events.map(\.sourceId)), not [\(event.sourceId)]")
        }

        let subscriptions = SubscriptionServiceClient(cluster.client(.subscription))
        let reached = try await subscriptions.subscribe(
            SubscribeRequest(filter: SubscriptionFilter(gameIds: [FuzzWorld.canaryGame.id])), options: CallOptions(timeout: .seconds(20))
        ) { stream in
            for try await item in stream {
                let seq = item.event?.position?.seq ?? item.snapshot?.position?.seq ?? 0
                if seq >= next { return true }
            }
            return false
        }
        guard reached else { throw Wrong(description: "Subscribe ended before the canary's event \(next)") }

        let acknowledged = try await subscriptions.acknowledge(
            AcknowledgeRequest(
                name: FuzzWorld.canarySubscription, positions: [GameCursor(gameId: FuzzWorld.canaryGame.id, after: position)]),
            options: Self.options
        )
        guard acknowledged.cursors.first(where: { $0.gameId == FuzzWorld.canaryGame.id })?.after == position else {
            throw Wrong(description: "Acknowledge answered cursors \(acknowledged.cursors), not \(position)")
        }
    }
}
