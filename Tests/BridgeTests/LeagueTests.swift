import CourtsideDomain
import CourtsideJSON
import CourtsideProto
import EventRelay
import GRPC
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit
import Testing

@testable import Bridge

/// Leagues at the bridge: the `leagues` of subscribe/unsubscribe, the `?league=` / `leagues=`
/// filters of the JSON API and SSE (their limits), the followed set, the messages that carry a
/// game's league, and team ids as long as the schedule's.
@Suite struct LeagueTests {
    private func decode(_ text: String) -> Result<ClientMessage, ClientMessageError> {
        ClientMessageDecoder.decode(Array(text.utf8))
    }

    private static func ids(_ count: Int) -> [String] {
        (0..<count).map { "league\($0)" }
    }

    // MARK: Client messages

    @Test func subscribeAndUnsubscribeCarryLeagues() throws {
        #expect(
            try decode(#"{"type":"subscribe","leagues":["wnba","nba"],"allLive":false,"id":"s1"}"#).get()
                == .subscribe(ClientMessage.Subscribe(leagues: ["wnba", "nba"], id: "s1")))
        #expect(
            try decode(#"{"type":"unsubscribe","leagues":["wnba"]}"#).get() == .unsubscribe(ClientMessage.Unsubscribe(leagues: ["wnba"])))
        let twenty = Self.ids(20).map { "\"\($0)\"" }.joined(separator: ",")
        guard case .subscribe(let message) = try decode(#"{"type":"subscribe","leagues":[\#(twenty)]}"#).get() else {
            Issue.record("not a subscribe")
            return
        }
        #expect(message.leagues.count == 20)
    }

    @Test(
        arguments: [
            #"{"type":"subscribe","leagues":[\#(LeagueTests.ids(21).map { "\"\($0)\"" }.joined(separator: ","))]}"#,
            #"{"type":"unsubscribe","leagues":[\#(LeagueTests.ids(21).map { "\"\($0)\"" }.joined(separator: ","))]}"#,
            #"{"type":"subscribe","leagues":["\#(String(repeating: "x", count: 33))"]}"#,
            #"{"type":"subscribe","leagues":[""]}"#,
            #"{"type":"subscribe","leagues":["a b"]}"#,
            #"{"type":"subscribe","leagues":["nba,wnba"]}"#,
            #"{"type":"subscribe","leagues":"nba"}"#,
            #"{"type":"subscribe","leagues":[7]}"#,
            #"{"type":"subscribe","leagues":null}"#,
        ])
    func badLeaguesAreBadRequests(text: String) {
        guard case .failure(let error) = decode(text) else {
            Issue.record("accepted: \(text.prefix(80))")
            return
        }
        #expect(error.code == .badRequest)
    }

    @Test func twentyOneLeaguesAreNamedInTheError() {
        let text = #"{"type":"subscribe","leagues":[\#(Self.ids(21).map { "\"\($0)\"" }.joined(separator: ","))],"id":"s9"}"#
        guard case .failure(let error) = decode(text) else {
            Issue.record("accepted")
            return
        }
        #expect(error.message == #""leagues" names 21 leagues; at most 20"#)
        #expect(error.ref == "s9")
    }

    /// League-prefixed team ids are longer than a tricode: the schedule allows 64 bytes, so does
    /// the bridge (it allowed 32).
    @Test func teamIdsAsLongAsTheSchedulesAreAccepted() throws {
        #expect(ProtocolIds.teamIdMaximum == RequestLimits.teamIDBytes)
        let long = "womens-college-basketball-" + String(repeating: "X", count: 38)
        #expect(long.utf8.count == 64)
        #expect(try decode(#"{"type":"subscribe","teams":["\#(long)","wnba-IND"]}"#).get() == .subscribe(.init(teams: [long, "wnba-IND"])))
        #expect(ServerMessages.teamId(long) == long)
        guard case .failure(let error) = decode(#"{"type":"subscribe","teams":["\#(long)X"]}"#) else {
            Issue.record("65 bytes accepted")
            return
        }
        #expect(error.message.contains("1–64"))
        guard
            case .success(let message) = HTTPHandler.streamRequest(
                parameters: ["teams": long], lastEventID: nil, configuration: BridgeConfiguration())
        else {
            Issue.record("SSE refused a 64-byte team id")
            return
        }
        #expect(message.teams == [long])
    }

    // MARK: URL filters

    @Test func leagueFilterParsing() throws {
        #expect(try LeagueFilter.parse(nil, parameter: "league") == [])
        #expect(try LeagueFilter.parse("", parameter: "league") == [])
        #expect(try LeagueFilter.parse("wnba,nba,wnba", parameter: "league") == ["wnba", "nba"])
        #expect(try LeagueFilter.parse(Self.ids(20).joined(separator: ","), parameter: "league").count == 20)
        for bad in [Self.ids(21).joined(separator: ","), String(repeating: "x", count: 33), "nba,,wnba", "nba,", "a b", "ünba"] {
            #expect(throws: LeagueFilter.Invalid.self, "\(bad.prefix(40))") { try LeagueFilter.parse(bad, parameter: "league") }
        }
        // Refused by count before the ids are read.
        let many = String(repeating: ",", count: 100_000)
        #expect(throws: LeagueFilter.Invalid(message: "league names 100001 leagues; at most 20")) {
            try LeagueFilter.parse(many, parameter: "league")
        }
    }

    @Test func repeatedLeagueParametersAreJoined() {
        let parameters = HTTPHandler.parameters("league=nba&league=wnba&date=2026-01-01&date=2026-01-02&leagues=&leagues=wnba")
        #expect(parameters["league"] == "nba,wnba")
        #expect(parameters["leagues"] == "wnba")
        #expect(parameters["date"] == "2026-01-01")
    }

    @Test func sseLeaguesAreCheckedBeforeTheStreamStarts() {
        let configuration = BridgeConfiguration()
        guard
            case .success(let message) = HTTPHandler.streamRequest(
                parameters: HTTPHandler.parameters("leagues=wnba&leagues=nba,wnba&allLive=1"), lastEventID: nil,
                configuration: configuration)
        else {
            Issue.record("refused")
            return
        }
        #expect(message.leagues == ["wnba", "nba"])
        for bad in [Self.ids(21).joined(separator: ","), String(repeating: "x", count: 33), "nba,"] {
            guard
                case .failure(let answer) = HTTPHandler.streamRequest(
                    parameters: ["leagues": bad], lastEventID: nil, configuration: configuration)
            else {
                Issue.record("accepted \(bad.prefix(40))")
                continue
            }
            #expect(answer.status == .badRequest)
        }
    }

    @Test func theAPIRefusesBadAndUnknownLeaguesBeforeAskingForGames() async throws {
        let unreachable = GRPCClient(host: "127.0.0.1", port: 9)
        let leagues = LeagueDirectory(client: nil)
        leagues.set([Leagues.nba, Leagues.wnba])
        let relay = GameRelay<BridgeItem>(
            recentCapacity: 4, subscriberCapacity: 4, teams: { _ in nil },
            makePayload: { BridgeItem(item: $0, teams: nil, previousStatus: nil) })
        let api = JSONAPI(
            schedule: unreachable, score: unreachable, teams: TeamDirectory(client: nil), leagues: leagues, relay: relay,
            relayIsCurrent: { false }, logger: Logger(label: "league-tests"))
        defer { unreachable.close() }
        func answer(_ path: String, _ query: [String: String]) async -> HTTPAnswer? {
            await api.answer(path: path, query: query, authority: nil, grant: nil)
        }
        func text(_ answer: HTTPAnswer?) -> String {
            answer.map { String(buffer: $0.body) } ?? ""
        }
        func code(_ answer: HTTPAnswer?) -> String? {
            guard let answer,
                case .object(let members) = try? JSONParser.parse(Array(answer.body.readableBytesView), options: .clientMessage),
                case .object(let error)? = members.first(where: { $0.0 == "error" })?.1,
                case .string(let code)? = error.first(where: { $0.0 == "code" })?.1
            else { return nil }
            return code
        }
        for path in ["/api/games", "/api/teams"] {
            let unknown = await answer(path, ["league": "nba,cba"])
            #expect(unknown?.status == .badRequest && code(unknown) == "unknown_league", "\(path)")
            #expect(text(unknown).contains("no such league: cba"))
            let tooMany = await answer(path, ["league": Self.ids(21).joined(separator: ",")])
            #expect(tooMany?.status == .badRequest && code(tooMany) == "bad_request")
            let oversize = await answer(path, ["league": String(repeating: "x", count: 33)])
            #expect(oversize?.status == .badRequest && code(oversize) == "bad_request")
        }
        // Known leagues go on to the (unreachable) schedule.
        #expect(await answer("/api/games", ["league": "wnba"])?.status == .serviceUnavailable)
        #expect(code(await answer("/api/leagues", [:])) == nil)
        let list = await answer("/api/leagues", [:])
        #expect(
            text(list)
                == #"{"leagues":[{"id":"nba","name":"National Basketball Association","shortName":"NBA","regulationPeriods":4},"#
                + #"{"id":"wnba","name":"Women's National Basketball Association","shortName":"WNBA","regulationPeriods":4}]}"#)
        // Men's college basketball plays halves: the page labels its periods H1, H2.
        leagues.set([Leagues.mensCollege])
        #expect(
            text(await answer("/api/leagues", [:]))
                == #"{"leagues":[{"id":"mens-college-basketball","name":"NCAA Men's Basketball","shortName":"NCAAM","regulationPeriods":2}]}"#
        )
    }

    @Test func theLeagueDirectoryNamesWhatItDoesNotKnow() async throws {
        let leagues = LeagueDirectory(client: nil)
        leagues.set(Leagues.all)
        #expect(try await leagues.unknown(["wnba", "cba", "nba", "cba", "xfl"]) == ["cba", "xfl"])
        #expect(try await leagues.unknown(["nba-development"]) == [])
    }

    // MARK: The followed set

    @Test func leaguesFollowTheirLiveGamesOnly() {
        var set = FollowedSet()
        let added = set.subscribe(games: [], teams: [], allLive: false, leagues: ["wnba", "wnba"])
        #expect(added.leagues == ["wnba"])
        #expect(set.follows(gameId: "w1", home: "wnba-IND", away: "wnba-SEA", status: .live, previousStatus: nil, league: "wnba"))
        #expect(set.follows(gameId: "w1", home: "wnba-IND", away: "wnba-SEA", status: .halftime, previousStatus: .live, league: "wnba"))
        // The event that ends it, then nothing more.
        #expect(set.follows(gameId: "w1", home: "wnba-IND", away: "wnba-SEA", status: .final, previousStatus: .live, league: "wnba"))
        #expect(!set.follows(gameId: "w1", home: "wnba-IND", away: "wnba-SEA", status: .final, previousStatus: .final, league: "wnba"))
        #expect(!set.follows(gameId: "w2", home: "wnba-LVA", away: "wnba-NYL", status: .scheduled, previousStatus: nil, league: "wnba"))
        #expect(!set.follows(gameId: "n1", home: "IND", away: "BOS", status: .live, previousStatus: nil, league: "nba"))
        #expect(!set.follows(gameId: "u1", home: "", away: "", status: .live, previousStatus: nil, league: ""))
        #expect(!set.isEmpty)
        set.unsubscribe(games: [], teams: [], allLive: false, leagues: ["wnba", "nba"])
        #expect(set.isEmpty)
        #expect(!set.follows(gameId: "w1", home: "wnba-IND", away: "wnba-SEA", status: .live, previousStatus: nil, league: "wnba"))
    }

    @Test func aConnectionFollowsAtMostTwentyLeagues() {
        let set = FollowedSet(leagues: Set(Self.ids(15)))
        #expect(set.allows(adding: [], teams: [], leagues: Self.ids(20), maxGames: 1, maxTeams: 1))
        #expect(!set.allows(adding: [], teams: [], leagues: ["other"] + Self.ids(20), maxGames: 1, maxTeams: 1))
    }

    // MARK: Private leagues

    @Test func aPrivateLeaguesGamesNeedATokenNamingTheLeagueOrTheGame() {
        let access = GameAccess(privateGames: ["P1"], privateLeagues: ["wnba"])
        let leagueToken = ConnectionGrant(subject: "u", games: [], leagues: ["wnba"], expiresAtMs: 0)
        let gameToken = ConnectionGrant(subject: "u", games: ["W2"], expiresAtMs: 0)
        let otherLeague = ConnectionGrant(subject: "u", games: [], leagues: ["nba"], expiresAtMs: 0)
        #expect(!access.isOpen)
        #expect(access.allows("N1", league: "nba", grant: nil))
        #expect(!access.allows("W1", league: "wnba", grant: nil))
        #expect(!access.allows("W1", league: "wnba", grant: otherLeague))
        #expect(!access.allows("W1", league: "wnba", grant: gameToken))
        #expect(access.allows("W1", league: "wnba", grant: leagueToken))
        #expect(access.allows("W2", league: "wnba", grant: gameToken))
        // A private game of a public league: its id, or its league named by the token.
        #expect(!access.allows("P1", league: "nba", grant: leagueToken))
        #expect(access.allows("P1", league: "nba", grant: otherLeague))
        // A game whose league is not known yet is private while there are private leagues.
        #expect(access.isPrivate("U1", league: ""))
        #expect(!access.allows("U1", league: "", grant: leagueToken))
        #expect(!GameAccess(privateGames: ["P1"]).isPrivate("U1", league: ""))
        let leagueOf = { (game: String) in game.hasPrefix("W") ? "wnba" : "nba" }
        #expect(access.refused(["N1", "W1", "W2", "P1"], grant: gameToken, leagueOf: leagueOf) == ["P1", "W1"])
        #expect(access.refused(["N1", "W1", "W2", "P1"], grant: leagueToken, leagueOf: leagueOf) == ["P1"])
    }

    @Test func privateLeaguesNeedTheKeysAndValidIds() throws {
        let configuration = try BridgeConfiguration(
            reader: SettingsReader(
                arguments: ["--private-leagues", "wnba,nba-development", "--connection-jwks-file", "/k"], environment: [:]))
        #expect(configuration.privateLeagues == ["wnba", "nba-development"])
        let fromEnvironment = try BridgeConfiguration(
            reader: SettingsReader(
                arguments: [], environment: ["COURTSIDE_PRIVATE_LEAGUES": "wnba", "COURTSIDE_CONNECTION_JWKS_FILE": "/k"]))
        #expect(fromEnvironment.privateLeagues == ["wnba"])
        #expect(throws: SettingsError("--private-leagues needs --connection-jwks-file (without keys no browser could follow them)")) {
            try BridgeConfiguration(reader: SettingsReader(arguments: ["--private-leagues", "wnba"], environment: [:]))
        }
        for bad in ["bad league", String(repeating: "x", count: 33), Self.ids(21).joined(separator: ",")] {
            #expect(throws: SettingsError.self) {
                try BridgeConfiguration(
                    reader: SettingsReader(arguments: ["--private-leagues", bad, "--connection-jwks-file", "/k"], environment: [:]))
            }
        }
    }

    // MARK: Server messages

    @Test func messagesCarryTheGamesLeague() throws {
        #expect(
            String(buffer: ServerMessages.followed("subscribed", games: [], teams: [], allLive: false, leagues: ["wnba", "nba"], id: "s1"))
                == #"{"type":"subscribed","games":[],"teams":[],"allLive":false,"leagues":["nba","wnba"],"id":"s1"}"#)
        let snapshot = ServerMessages.snapshot(
            game: "w1", position: GamePosition(epoch: 1, seq: 2), reason: .initial, home: "wnba-IND", away: "wnba-SEA", state: GameState(),
            updatedAtMs: 0, league: "wnba")
        #expect(String(buffer: snapshot).contains(#""home":"wnba-IND","away":"wnba-SEA","league":"wnba","state""#))
        let unknown = ServerMessages.snapshot(
            game: "w1", position: GamePosition(epoch: 1, seq: 2), reason: .initial, home: "A", away: "B", state: GameState(), updatedAtMs: 0
        )
        #expect(!String(buffer: unknown).contains("league"))
        let event = Event(gameId: "w1", position: Position(epoch: 1, seq: 3), kind: .basket, teamId: "wnba-IND", points: 2)
        #expect(String(buffer: ServerMessages.event(event, league: "wnba")).hasPrefix(#"{"type":"event","game":"w1","league":"wnba","#))
        #expect(!String(buffer: ServerMessages.event(event)).contains("league"))
        let error = ServerMessages.error(.unknownLeague, message: "no such league: cba", ref: "s1", leagues: ["cba"])
        #expect(
            String(buffer: error)
                == #"{"type":"error","code":"unknown_league","message":"no such league: cba","ref":"s1","leagues":["cba"]}"#)
    }

    @Test func aRelayedItemIsSerialisedWithItsLeague() {
        let event = Event(
            gameId: "w1", position: Position(epoch: 1, seq: 1), kind: .freeThrow, teamId: "wnba-IND", points: 1,
            state: GameState(homeScore: 1, status: .live))
        let item = BridgeItem(item: StreamItem(item: .event(event)), teams: ("wnba-IND", "wnba-SEA"), previousStatus: .live, league: "wnba")
        #expect(item.league == "wnba")
        #expect(String(buffer: item.json).contains(#""league":"wnba""#))
        #expect(String(buffer: item.snapshotJSON(reason: .collapsed)).contains(#""league":"wnba""#))
    }
}
