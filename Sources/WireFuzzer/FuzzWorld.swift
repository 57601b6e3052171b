import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPCWire

/// What the services hold that a request can name: the seeded games and teams, the durable
/// subscriptions' names, and what answers taught about the games (positions, states), so that
/// valid requests name things that exist and positions that are real.
struct FuzzWorld: Sendable {
    static let teams = ["BOS", "LAL", "NYK", "MIA", "GSW", "DEN", "CHI", "PHX"]
    static let today = GameDate.today()
    /// The games fuzzed requests name.
    static let games: [Game] = (1...6).map { index in
        Game(
            id: "fz-\(index)", homeTeamId: teams[(index * 2) % teams.count], awayTeamId: teams[(index * 2 + 1) % teams.count],
            startTimeMs: 1_700_000_000_000 + Int64(index) * 3_600_000, date: today, venue: "Arena \(index)", status: .scheduled
        )
    }
    /// Games `UpsertGames` requests create and rewrite.
    static let upsertedGameIDs = (0..<12).map { "fz-u\($0)" }
    static let subscriptionNames = ["fz-a", "fz-b", "fz.c_d-1"]
    static let serviceNames = [
        "", ScoreServiceMethods.serviceName, ScheduleServiceMethods.serviceName, SubscriptionServiceMethods.serviceName,
    ]

    /// The liveness probe's own game and subscription: no fuzzed request names them, so the
    /// probe can tell exactly what a correct answer is.
    static let canaryGame = Game(
        id: "fz-canary", homeTeamId: "ATL", awayTeamId: "TOR", startTimeMs: 1_700_000_000_000, date: today, venue: "Canary Arena",
        status: .scheduled
    )
    static let canarySubscription = "fz-canary"

    var positions: [String: Position] = [:]
    var states: [String: GameState] = [:]
    /// The games `UpsertGames` has created so far.
    var upserted: Set<String> = []
    /// The durable subscriptions last seen to exist.
    var subscriptions: Set<String> = []

    /// The games that exist.
    var gameIDs: [String] { Self.games.map(\.id) + upserted.sorted() }

    /// Strings the mutator tries per field name.
    var dictionary: [String: [String]] {
        let games = Self.games.map(\.id) + Self.upsertedGameIDs
        let teams = Self.teams + ["ATL", "TOR"]
        let dates = [Self.today, "2099-01-01", "1970-01-01", "0001-01-01", "9999-12-31"]
        let tokens = positions.values.flatMap { position in
            [(position.epoch, position.seq), (position.epoch, UInt64.max), (UInt64.max, position.seq)].map {
                PageToken(scope: $0.0, number: $0.1).encoded
            }
        }
        return [
            "id": games, "game_id": games, "game_ids": games,
            "home_team_id": teams, "away_team_id": teams, "team_id": teams, "team_ids": teams,
            "name": Self.subscriptionNames, "subscription_name": Self.subscriptionNames,
            "date": dates, "date_from": dates, "date_to": dates,
            "page_token": tokens + [PageToken(scope: 0, number: 0).encoded],
            "service": Self.serviceNames,
            "source_id": ["fz-1", "fz-2"],
        ]
    }

    /// A valid encoding of assorted messages, for the mutator to put where another is expected.
    static let foreignMessages: [[UInt8]] = [
        (try? games[0].serializedBytes()) ?? [],
        (try? Position(epoch: 1, seq: 2).serializedBytes()) ?? [],
        (try? GameState(homeScore: 1, period: 1, status: .live).serializedBytes()) ?? [],
        (try? SubscriptionFilter(gameIds: ["fz-1"], allGames: true).serializedBytes()) ?? [],
        (try? GameCursor(gameId: "fz-1", after: Position(epoch: 1, seq: 1)).serializedBytes()) ?? [],
    ]

    // MARK: Learning from answers

    mutating func learn(_ gameId: String, position: Position?, state: GameState? = nil) {
        guard let position else { return }
        if let known = positions[gameId], known.epoch == position.epoch, known.seq > position.seq { return }
        positions[gameId] = position
        if let state { states[gameId] = state }
    }

    mutating func learn(_ event: Event) {
        learn(event.gameId, position: event.position, state: event.state)
    }

    mutating func learn(_ snapshot: Snapshot) {
        learn(snapshot.gameId, position: snapshot.position, state: snapshot.state)
    }

    // MARK: Valid parts of requests

    /// A position of the game that exists (or a plausible one if none is known yet).
    func position(of gameId: String, random: inout Generator) -> Position {
        guard let known = positions[gameId] else { return Position(epoch: 1, seq: 0) }
        return Position(epoch: known.epoch, seq: UInt64.random(in: 0...known.seq, using: &random))
    }

    /// The name of a subscription that exists, most of the time.
    func subscriptionName(random: inout Generator) -> String {
        subscriptions.isEmpty || random.chance(0.2) ? random.pick(Self.subscriptionNames) : random.pick(subscriptions.sorted())
    }

    func cursor(random: inout Generator) -> GameCursor {
        let gameId = random.pick(gameIDs)
        return GameCursor(gameId: gameId, after: random.chance(0.4) ? nil : position(of: gameId, random: &random))
    }

    /// 1–3 events that follow the games' known states (scores up, periods kept, a correction
    /// after "final"), so the score service accepts them.
    func events(random: inout Generator) -> [Event] {
        var states = self.states
        return (0..<Int.random(in: 1...3, using: &random)).map { _ in
            let game = random.pick(Self.games)
            var state = states[game.id] ?? GameState(period: 1, clockMs: 720_000, clockRunning: true, status: .live)
            var kind = random.pick([EventKind.basket, .freeThrow, .rebound, .foul, .clock, .timeout])
            let points: UInt32 = kind == .basket ? random.pick([2, 3]) : kind == .freeThrow ? 1 : 0
            if state.status == .final || random.chance(0.1) {
                kind = .correction
                state.status = .live
            }
            let home = random.chance(0.5)
            if home { state.homeScore &+= points } else { state.awayScore &+= points }
            state.clockMs = UInt32.random(in: 0...720_000, using: &random)
            state.period = max(1, state.period)
            states[game.id] = state
            return Event(
                gameId: game.id, sourceId: "fz-src-\(Int.random(in: 0..<100_000, using: &random))", kind: kind,
                teamId: home ? game.homeTeamId : game.awayTeamId, points: points,
                player: "Player \(Int.random(in: 0..<15, using: &random))",
                description: "fuzz \(kind.name)", state: state, occurredAtMs: UnixTime.nowMs()
            )
        }
    }

    func filter(random: inout Generator) -> SubscriptionFilter {
        var filter = SubscriptionFilter()
        switch Int.random(in: 0..<4, using: &random) {
        case 0: filter.gameIds = Array(Set((0..<Int.random(in: 1...3, using: &random)).map { _ in random.pick(gameIDs) })).sorted()
        case 1: filter.teamIds = Array(Set((0..<Int.random(in: 1...2, using: &random)).map { _ in random.pick(Self.teams) })).sorted()
        case 2: filter.allLive = true
        default: filter.allGames = true
        }
        return filter
    }
}
