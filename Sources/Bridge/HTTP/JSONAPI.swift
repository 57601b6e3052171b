import CourtsideDomain
import CourtsideProto
import CourtsideRPC
public import EventRelay
import Foundation
public import GRPC
public import Logging
import NIOCore
import NIOHTTP1

/// The JSON API (§11): games of a date, one game, a game's play-by-play a page at a time, the
/// teams and the leagues, from the schedule service and the score service (heads of games the
/// relay follows come from the relay). Games and teams may be filtered by league (`?league=`).
public struct JSONAPI: Sendable {
    let schedule: ScheduleServiceClient
    let score: ScoreServiceClient
    let teams: TeamDirectory
    let leagues: LeagueDirectory
    let relay: GameRelay<BridgeItem>
    /// Whether the relay is current (its upstream is connected).
    let relayIsCurrent: @Sendable () -> Bool
    /// A game's league from the bridge's caches ("" when unknown), for the events' `league`.
    let leagueOfGame: @Sendable (String) -> String
    let logger: Logger

    /// The API over the schedule and score services and the relay.
    public init(
        schedule: GRPCClient, score: GRPCClient, teams: TeamDirectory, leagues: LeagueDirectory = LeagueDirectory(client: nil),
        relay: GameRelay<BridgeItem>, relayIsCurrent: @escaping @Sendable () -> Bool,
        leagueOfGame: @escaping @Sendable (String) -> String = { _ in "" }, logger: Logger
    ) {
        self.leagueOfGame = leagueOfGame
        self.schedule = ScheduleServiceClient(schedule)
        self.score = ScoreServiceClient(score)
        self.teams = teams
        self.leagues = leagues
        self.relay = relay
        self.relayIsCurrent = relayIsCurrent
        self.logger = logger
    }

    /// Answers a request under `/api/` (nil: no such endpoint); private games (`authority`) are
    /// answered only when `grant` names them (else 401 `token_required`) and are left out of
    /// lists it does not name. What went wrong upstream is logged with a request id; the client
    /// gets the id and a fixed message.
    func answer(path: String, query: [String: String], authority: ConnectionAuthority?, grant: ConnectionGrant?) async -> HTTPAnswer? {
        let access = authority?.access ?? GameAccess(privateGames: [])
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).map {
            String($0).removingPercentEncodingSafe
        }
        do {
            switch segments.count {
            case 1 where segments[0] == "games":
                let filter: [String]
                switch try await leagueFilter(query["league"]) {
                case .success(let leagues): filter = leagues
                case .failure(let refusal): return refusal.answer
                }
                return try await games(
                    date: query["date"], leagues: filter,
                    visible: { access.allows($0.id, league: Self.leagueId($0.leagueId), grant: grant) })
            case 1 where segments[0] == "teams":
                switch try await leagueFilter(query["league"]) {
                case .success(let leagues): return try await teamList(leagues: leagues)
                case .failure(let refusal): return refusal.answer
                }
            case 1 where segments[0] == "leagues":
                return try await leagueList()
            case 2 where segments[0] == "games":
                if let authority, let refusal = Self.privateRefusal(segments[1], authority: authority, grant: grant) { return refusal }
                return try await game(segments[1])
            case 3 where segments[0] == "games" && segments[2] == "events":
                if let authority, let refusal = Self.privateRefusal(segments[1], authority: authority, grant: grant) { return refusal }
                return try await events(segments[1], before: query["before"], limit: query["limit"])
            default:
                return nil
            }
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            let requestId = RequestID.make()
            logger.warning(
                "JSON API: a service is unreachable",
                metadata: ["requestId": "\(requestId)", "path": "\(path.prefix(200))", "error": "\(error)"])
            return .error(
                .serviceUnavailable, code: "unavailable", message: "a service the bridge needs is unreachable; try again",
                retryAfterSeconds: 2,
                requestId: requestId
            )
        } catch {
            let requestId = RequestID.make()
            logger.error(
                "JSON API: request failed", metadata: ["requestId": "\(requestId)", "path": "\(path.prefix(200))", "error": "\(error)"])
            return .error(.internalServerError, code: "internal", message: "internal error", requestId: requestId)
        }
    }

    // MARK: Endpoints

    /// 401 `token_required` for a private game that `grant` does not name; nil to go on.
    static func privateRefusal(_ id: String, authority: ConnectionAuthority, grant: ConnectionGrant?) -> HTTPAnswer? {
        guard let refused = authority.refusedGames([id], grant: grant, transport: "api") else { return nil }
        return .error(.unauthorized, code: ErrorCode.tokenRequired.rawValue, message: refused.message)
    }

    /// A refused league filter (400), as an error so that it fits a `Result`.
    struct FilterRefusal: Error {
        var answer: HTTPAnswer
    }

    /// The leagues of a `league` parameter: 400 `bad_request` when malformed or more than
    /// `ProtocolIds.maximumLeagues`, 400 `unknown_league` when one is not a league of the
    /// schedule. Throws when the schedule is unreachable.
    func leagueFilter(_ parameter: String?) async throws -> Result<[String], FilterRefusal> {
        let wanted: [String]
        do {
            wanted = try LeagueFilter.parse(parameter, parameter: "league")
        } catch {
            return .failure(FilterRefusal(answer: .error(.badRequest, code: "bad_request", message: error.message)))
        }
        guard !wanted.isEmpty else { return .success([]) }
        let unknown = try await leagues.unknown(wanted)
        guard unknown.isEmpty else {
            return .failure(
                FilterRefusal(
                    answer: .error(
                        .badRequest, code: ErrorCode.unknownLeague.rawValue, message: "no such league: \(unknown.joined(separator: ", "))"))
            )
        }
        return .success(wanted)
    }

    func games(date: String?, leagues: [String] = [], visible: (Game) -> Bool = { _ in true }) async throws -> HTTPAnswer {
        let day = date ?? GameDate.today()
        guard GameDate.isCalendarDate(day) else {
            return .error(.badRequest, code: "bad_request", message: "date must be a calendar date YYYY-MM-DD")
        }
        var games: [Game] = []
        var token = ""
        repeat {
            let page = try await schedule.listGames(
                ListGamesRequest(dateFrom: day, dateTo: day, pageSize: 1000, pageToken: token, leagueIds: leagues),
                options: CallOptions(timeout: .seconds(5))
            )
            games += page.games
            token = page.nextPageToken
        } while !token.isEmpty
        games.removeAll { !visible($0) }
        games.sort { ($0.startTimeMs, $0.id) < ($1.startTimeMs, $1.id) }
        let snapshots = try await snapshots(of: games.map(\.id))
        let teams = try await teamMap()
        var json = JSONWriter(capacity: 512 * max(1, games.count))
        json.beginObject()
        json.field("date", day)
        json.key("games")
        json.beginArray()
        for game in games { writeGame(game, snapshot: snapshots[game.id], teams: teams, into: &json) }
        json.endArray()
        json.endObject()
        return .json(json.buffer)
    }

    func game(_ id: String) async throws -> HTTPAnswer {
        guard ProtocolIds.isGameId(id) else { return Self.unknownGame(id) }
        let game: Game
        do {
            game = try await schedule.getGame(GetGameRequest(gameId: id), options: CallOptions(timeout: .seconds(5)))
        } catch let error as RPCError where error.code == .notFound || error.code == .invalidArgument {
            return Self.unknownGame(id)
        }
        let snapshots = try await snapshots(of: [id])
        var json = JSONWriter(capacity: 512)
        writeGame(game, snapshot: snapshots[id], teams: try await teamMap(), into: &json)
        return .json(json.buffer)
    }

    func events(_ id: String, before: String?, limit: String?) async throws -> HTTPAnswer {
        guard ProtocolIds.isGameId(id) else { return Self.unknownGame(id) }
        var beforeSeq: UInt64 = 0
        if let before {
            guard let value = ProtocolIds.decimal(Substring(before)), value >= 1 else {
                return .error(.badRequest, code: "bad_request", message: "before must be an integer between 1 and 2^53 − 1")
            }
            beforeSeq = value
        }
        var pageSize: UInt32 = 50
        if let limit {
            guard let value = ProtocolIds.decimal(Substring(limit), maximum: 200), value >= 1 else {
                return .error(.badRequest, code: "bad_request", message: "limit must be between 1 and 200")
            }
            pageSize = UInt32(truncatingIfNeeded: value)
        }
        let page: ListEventsResponse
        do {
            page = try await score.listEvents(
                ListEventsRequest(gameId: id, pageSize: pageSize, newestFirst: true, beforeSeq: beforeSeq),
                options: CallOptions(timeout: .seconds(5))
            )
        } catch let error as RPCError where error.code == .notFound {
            return Self.unknownGame(id)
        }
        let league = leagueOfGame(id)
        var json = JSONWriter(capacity: 320 * max(1, page.events.count))
        json.beginObject()
        json.field("game", id)
        json.field("epoch", ServerMessages.clamp(page.epoch))
        json.key("events")
        json.beginArray()
        for event in page.events { ServerMessages.writeEvent(event, league: league, into: &json) }
        json.endArray()
        json.key("nextBefore")
        if !page.nextPageToken.isEmpty, let last = page.events.last?.position?.seq, last > 1 {
            json.uint(ServerMessages.clamp(last))
        } else {
            json.null()
        }
        json.endObject()
        return .json(json.buffer)
    }

    func teamList(leagues: [String] = []) async throws -> HTTPAnswer {
        var teams = try await self.teams.all()
        if !leagues.isEmpty {
            let wanted = Set(leagues)
            teams.removeAll { !wanted.contains(Self.leagueId($0.leagueId)) }
        }
        var json = JSONWriter(capacity: 256 * max(1, teams.count))
        json.beginObject()
        json.key("teams")
        json.beginArray()
        for team in teams { Self.writeTeam(team, into: &json) }
        json.endArray()
        json.endObject()
        return .json(json.buffer)
    }

    func leagueList() async throws -> HTTPAnswer {
        let leagues = try await self.leagues.all()
        var json = JSONWriter(capacity: 96 * max(1, leagues.count))
        json.beginObject()
        json.key("leagues")
        json.beginArray()
        for league in leagues where ProtocolIds.isLeagueId(league.id) {
            json.beginObject()
            json.field("id", league.id)
            json.field("name", league.name)
            json.field("shortName", league.shortName)
            // Quarters (4) or halves (2): what the page labels periods with (Q1 or H1).
            json.field("regulationPeriods", Int(PeriodRules.forLeague(league.id).regulationPeriods))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return .json(json.buffer)
    }

    // MARK: Parts

    /// The league of a game or team as the schedule sends it: "" is the NBA (common.proto:
    /// what records from before leagues mean).
    static func leagueId(_ id: String) -> String {
        id.isEmpty ? Leagues.nba.id : id
    }

    /// The score service's current state of each game (the relay's head when it is current).
    private func snapshots(of ids: [String]) async throws -> [String: Snapshot] {
        var result: [String: Snapshot] = [:]
        var missing: [String] = []
        let current = relayIsCurrent()
        for id in ids {
            if current, let head = relay.head(id), head.lastSeq > 0 { result[id] = head.snapshot } else { missing.append(id) }
        }
        guard !missing.isEmpty else { return result }
        do {
            let response = try await score.getSnapshots(GetSnapshotsRequest(gameIds: missing), options: CallOptions(timeout: .seconds(5)))
            for snapshot in response.snapshots { result[snapshot.gameId] = snapshot }
        } catch let error as RPCError where error.code == .notFound {
            // One of them is unknown to the score service: ask one by one.
            for id in missing {
                if let snapshot = try? await score.getSnapshots(
                    GetSnapshotsRequest(gameIds: [id]), options: CallOptions(timeout: .seconds(5))
                ).snapshots.first {
                    result[id] = snapshot
                }
            }
        }
        return result
    }

    private func teamMap() async throws -> [String: Team] {
        Dictionary((try? await teams.all())?.map { ($0.id, $0) } ?? [], uniquingKeysWith: { $1 })
    }

    private func writeGame(_ game: Game, snapshot: Snapshot?, teams: [String: Team], into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", game.id)
        json.field("date", game.date)
        json.field("startTime", ServerMessages.clamp(game.startTimeMs))
        json.field("venue", game.venue)
        json.field("status", ServerMessages.statusName(game.status))
        let league = Self.leagueId(game.leagueId)
        if ProtocolIds.isLeagueId(league) { json.field("league", league) }
        json.key("home")
        Self.writeTeam(
            teams[game.homeTeamId] ?? Team(id: game.homeTeamId, tricode: game.homeTeamId, name: game.homeTeamId, leagueId: game.leagueId),
            into: &json)
        json.key("away")
        Self.writeTeam(
            teams[game.awayTeamId] ?? Team(id: game.awayTeamId, tricode: game.awayTeamId, name: game.awayTeamId, leagueId: game.leagueId),
            into: &json)
        json.key("snapshot")
        if let snapshot, let position = snapshot.position, position.epoch != 0 || position.seq != 0 {
            json.beginObject()
            json.field("epoch", ServerMessages.clamp(position.epoch))
            json.field("seq", ServerMessages.clamp(position.seq))
            json.key("state")
            ServerMessages.gameState(snapshot.state ?? GameState(), into: &json)
            if snapshot.updatedAtMs > 0 { json.field("updatedAt", ServerMessages.clamp(snapshot.updatedAtMs)) }
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
    }

    static func writeTeam(_ team: Team, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", ServerMessages.teamId(team.id))
        json.field("tricode", team.tricode.isEmpty ? ServerMessages.teamId(team.id) : team.tricode)
        json.field("city", team.city)
        json.field("name", team.name)
        if isColor(team.primaryColor) { json.field("primaryColor", team.primaryColor) }
        if isColor(team.secondaryColor) { json.field("secondaryColor", team.secondaryColor) }
        if !team.conference.isEmpty { json.field("conference", team.conference) }
        if !team.division.isEmpty { json.field("division", team.division) }
        let league = leagueId(team.leagueId)
        if ProtocolIds.isLeagueId(league) { json.field("league", league) }
        json.endObject()
    }

    static func isColor(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return utf8.count == 7 && utf8[0] == UInt8(ascii: "#") && utf8.dropFirst().allSatisfy { Character(Unicode.Scalar($0)).isHexDigit }
    }

    static func unknownGame(_ id: String) -> HTTPAnswer {
        .error(.notFound, code: "unknown_game", message: "no such game: \(id.prefix(64))")
    }
}

extension String {
    var removingPercentEncodingSafe: String {
        removingPercentEncoding ?? self
    }
}
