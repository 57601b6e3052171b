import CourtsideDomain
public import CourtsideProto
public import EventRelay
public import Logging

/// What a `subscribe` needs that may take a network call, gathered off the event loop before
/// the subscribe is carried out on it: which games and teams exist, the games a new team or
/// "all live" brings in, heads for games the relay has not seen yet (fetched and seeded into
/// the relay), and history older than the relay's recent window for resumed games.
public struct SubscribePreparation: Sendable {
    public var unknownGames: [String] = []
    public var unknownTeams: [String] = []
    public var unknownLeagues: [String] = []
    /// Set when a service the check needs is unreachable (§6 `unavailable`): the request id
    /// under which the cause was logged.
    public var unavailable: String?
    /// For each requested team: its games scheduled today or live now.
    public var teamGames: [String: [String]] = [:]
    /// Live games (when `allLive` was requested).
    public var liveGames: [String] = []
    /// For each requested league that exists: its live games.
    public var leagueGames: [String: [String]] = [:]
    /// Events fetched from the score service for resumed games: `(after, events)`, oldest
    /// first, continuing `after`; nil events: that history is not kept any more.
    public var history: [String: (after: GamePosition, events: [Event]?)] = [:]

    /// Nothing prepared yet.
    public init() {}
}

/// The lookups behind `SubscribePreparation`.
public struct SubscriptionDirectory: Sendable {
    public let relay: GameRelay<BridgeItem>
    public let history: any HistorySource
    public let schedule: ScheduleCache
    public let teams: TeamDirectory
    public let leagues: LeagueDirectory
    public let logger: Logger

    /// Lookups over the relay, the score service's history, the schedule, its teams and leagues.
    public init(
        relay: GameRelay<BridgeItem>, history: any HistorySource, schedule: ScheduleCache, teams: TeamDirectory,
        leagues: LeagueDirectory = LeagueDirectory(client: nil), logger: Logger
    ) {
        self.relay = relay
        self.history = history
        self.schedule = schedule
        self.teams = teams
        self.leagues = leagues
        self.logger = logger
    }

    /// A game's league ("" when unknown).
    public func league(of gameId: String) -> String {
        LeagueDirectory.league(ofGame: gameId, schedule: schedule, home: teams(of: gameId)?.home, teams: teams)
    }

    /// Whether a game is live now: the score service's status (through the relay) wins over
    /// the schedule's.
    public func isLive(_ gameId: String) -> Bool {
        if let head = relay.head(gameId) { return head.state.status.isLive }
        return schedule.game(gameId)?.status.isLive ?? false
    }

    /// The teams of a game.
    public func teams(of gameId: String) -> (home: String, away: String)? {
        if let game = schedule.game(gameId), !game.homeTeamId.isEmpty { return (game.homeTeamId, game.awayTeamId) }
        if let head = relay.head(gameId), !head.homeTeamId.isEmpty { return (head.homeTeamId, head.awayTeamId) }
        return nil
    }

    /// Gathers what `message` needs (see `SubscribePreparation`).
    public func prepare(_ message: ClientMessage.Subscribe, today: String) async -> SubscribePreparation {
        var prepared = SubscribePreparation()
        do {
            var known: [String] = []
            for gameId in Set(message.games).sorted() {
                if try await exists(gameId) { known.append(gameId) } else { prepared.unknownGames.append(gameId) }
            }
            for teamId in Set(message.teams).sorted() {
                if try await teamExists(teamId) {
                    prepared.teamGames[teamId] = gamesOf(team: teamId, today: today)
                } else {
                    prepared.unknownTeams.append(teamId)
                }
            }
            if message.allLive { prepared.liveGames = liveGames() }
            if !message.leagues.isEmpty {
                prepared.unknownLeagues = try await leagues.unknown(message.leagues)
                let unknown = Set(prepared.unknownLeagues)
                let wanted = Set(message.leagues).subtracting(unknown)
                if !wanted.isEmpty {
                    for gameId in liveGames() {
                        let gameLeague = league(of: gameId)
                        if wanted.contains(gameLeague) { prepared.leagueGames[gameLeague, default: []].append(gameId) }
                    }
                }
            }
            var needHeads = Set(known).union(prepared.liveGames).union(prepared.teamGames.values.joined())
                .union(prepared.leagueGames.values.joined())
            for gameId in message.resume.keys.sorted() {
                if try await exists(gameId) { needHeads.insert(gameId) }
            }
            for gameId in needHeads.sorted() where relay.head(gameId) == nil {
                if let snapshot = try await history.snapshot(gameId: gameId), snapshot.position != nil {
                    relay.seed(snapshot)
                }
            }
            for (gameId, after) in message.resume.sorted(by: { $0.key < $1.key }) {
                guard let head = relay.head(gameId) else { continue }
                guard
                    case .events(let afterSeq) = CatchUpPlan.plan(cursor: Position(epoch: after.epoch, seq: after.seq), head: head.position)
                else {
                    continue
                }
                if relay.recentEvents(gameId: gameId, epoch: head.epoch, afterSeq: afterSeq, upTo: head.lastSeq) != nil { continue }
                let events = try await history.events(gameId: gameId, epoch: head.epoch, afterSeq: afterSeq, upTo: head.lastSeq)
                prepared.history[gameId] = (after, events)
            }
        } catch {
            let requestId = RequestID.make()
            logger.warning("subscribe: a service is unreachable", metadata: ["requestId": "\(requestId)", "error": "\(error)"])
            prepared.unavailable = requestId
        }
        return prepared
    }

    private func exists(_ gameId: String) async throws -> Bool {
        if relay.head(gameId) != nil || schedule.game(gameId) != nil { return true }
        return try await schedule.fetch(gameId) != nil
    }

    private func teamExists(_ teamId: String) async throws -> Bool {
        if teams.cached(teamId) != nil { return true }
        if schedule.allGames.contains(where: { $0.homeTeamId == teamId || $0.awayTeamId == teamId }) { return true }
        return try await teams.team(teamId) != nil
    }

    /// A team's games scheduled for `today` or live now.
    public func gamesOf(team teamId: String, today: String) -> [String] {
        var games = Set<String>()
        for game in schedule.allGames where game.homeTeamId == teamId || game.awayTeamId == teamId {
            if game.date == today || isLive(game.id) { games.insert(game.id) }
        }
        for head in relay.heads where (head.homeTeamId == teamId || head.awayTeamId == teamId) && head.state.status.isLive {
            games.insert(head.gameId)
        }
        return games.sorted()
    }

    /// Every live game the relay or the schedule knows.
    public func liveGames() -> [String] {
        var games = Set<String>()
        for head in relay.heads where head.state.status.isLive { games.insert(head.gameId) }
        for game in schedule.allGames where relay.head(game.id) == nil && game.status.isLive { games.insert(game.id) }
        return games.sorted()
    }
}
