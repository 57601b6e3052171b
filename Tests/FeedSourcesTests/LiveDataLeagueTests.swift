import CourtsideDomain
import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// NBA live data of the WNBA (and the G League), and TheSportsDB's livescore: each game in its
/// own league, with that league's teams and the provider's scores.
@Suite struct LiveDataLeagueTests {
    // MARK: NBA live data, WNBA

    @Test func wnbaBoxscoreIsAWNBAGameBetweenWNBATeams() throws {
        let game = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.bytes(Fixtures.wnbaBoxscore)), "WNBA boxscore")
        #expect(game.game.id == "nba-1022500153")
        #expect(game.game.leagueId == "wnba")
        // IND and LVA in the WNBA: the Fever and the Aces, never the Pacers.
        #expect(game.game.homeTeamId == "wnba-IND" && game.game.awayTeamId == "wnba-LVA")
        #expect(game.game.venue == "Gainbridge Fieldhouse")
        #expect(game.game.date == "2025-07-24")
        #expect(game.state == GameState(homeScore: 80, awayScore: 70, period: 4, clockMs: 0, clockRunning: false, status: .final))
        #expect(game.teams.isEmpty, "the WNBA has seed data: no team is created")
    }

    /// The real WNBA game object as a scoreboard entry (`todaysScoreboard_10.json` lists the same
    /// fields under `scoreboard.games`).
    static func scoreboard(_ games: [[String: Any]]) throws -> [UInt8] {
        let scoreboard: [String: Any] = ["gameDate": "2025-07-24", "leagueId": "10", "games": games]
        return try Fixtures.encode(["scoreboard": scoreboard])
    }

    static func wnbaGame() throws -> [String: Any] {
        let raw = try #require(try Fixtures.json(Fixtures.wnbaBoxscore) as? [String: Any])
        return try #require(raw["game"] as? [String: Any])
    }

    @Test func wnbaScoreboardLiveGame() throws {
        var game = try Self.wnbaGame()
        game["gameStatus"] = 2
        game["gameStatusText"] = "Q3 05:41"
        game["period"] = 3
        game["gameClock"] = "PT05M41.00S"
        var home = try #require(game["homeTeam"] as? [String: Any])
        home["score"] = 55
        game["homeTeam"] = home
        let snapshot = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Self.scoreboard([game])), "WNBA scoreboard")
        let entry = try #require(snapshot.games.first)
        #expect(entry.game.leagueId == "wnba" && entry.game.homeTeamId == "wnba-IND" && entry.game.awayTeamId == "wnba-LVA")
        #expect(entry.state == GameState(homeScore: 55, awayScore: 70, period: 3, clockMs: 341_000, clockRunning: true, status: .live))
    }

    /// The Portland Fire joined the WNBA in 2026, after its seed table (2025) was written, with
    /// the tricode of the NBA's Trail Blazers. A minimal edit of the real WNBA game makes its
    /// away team the Fire: a new WNBA team created from the payload (wnba-POR), never the
    /// Trail Blazers, and the game is kept. The NBA takes no new team (see ScoreboardAdapterTests).
    @Test func aNewWNBATeamIsCreatedInTheWNBANeverAnNBATeam() throws {
        var game = try Self.wnbaGame()
        var away = try #require(game["awayTeam"] as? [String: Any])
        away["teamTricode"] = "POR"
        away["teamCity"] = "Portland"
        away["teamName"] = "Fire"
        game["awayTeam"] = away
        for policy in [UnknownTeamPolicy.reject, .skipGame] {
            let snapshot = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Self.scoreboard([game]), unknownTeams: policy), "POR")
            let entry = try #require(snapshot.games.first)
            #expect(snapshot.skipped.isEmpty)
            #expect(entry.game.leagueId == "wnba" && entry.game.homeTeamId == "wnba-IND" && entry.game.awayTeamId == "wnba-POR")
            #expect(entry.teams == [Team(id: "wnba-POR", tricode: "POR", city: "Portland", name: "Fire", leagueId: "wnba")])
        }
        // The boxscore of the same game, as the play-by-play poller reads it.
        var raw = try #require(try Fixtures.json(Fixtures.wnbaBoxscore) as? [String: Any])
        raw["game"] = game
        let box = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.encode(raw)), "boxscore with POR")
        #expect(box.game.awayTeamId == "wnba-POR" && box.teams.map(\.id) == ["wnba-POR"])
        // Its play-by-play credits the Fire's basket to wnba-POR.
        let actions: [[String: Any]] = [
            [
                "actionNumber": 1, "orderNumber": 10000, "clock": "PT10M00.00S", "period": 1, "actionType": "period", "subType": "start",
                "scoreHome": "0", "scoreAway": "0", "description": "Period Start",
            ],
            [
                "actionNumber": 2, "orderNumber": 20000, "clock": "PT09M40.00S", "period": 1, "actionType": "2pt", "subType": "",
                "teamTricode": "POR", "scoreHome": "0", "scoreAway": "2", "shotResult": "Made", "description": "Fire layup",
            ],
        ]
        var live = box
        live.game.status = .live
        live.state = GameState(homeScore: 0, awayScore: 2, period: 1, clockMs: 580_000, clockRunning: true, status: .live)
        live.periodEnded = false
        let payload = try Fixtures.encode(["game": ["gameId": "1022500153", "actions": actions] as [String: Any]])
        let feed = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(payload, game: live), "the Fire's play-by-play")
        #expect(feed.events.filter { $0.points > 0 }.map(\.teamId) == ["wnba-POR"])
    }

    @Test func gameIdNamesTheLeague() throws {
        var game = try Self.wnbaGame()
        game["gameId"] = "3022500153"
        let reasons = TestSupport.rejected(NBAScoreboardAdapter.parse(try Self.scoreboard([game])), "league 30")
        #expect(reasons.first?.contains("names no league") == true, "\(reasons)")
        // The G League has no seed data: its teams come from the payload.
        game["gameId"] = "2022500153"
        let gLeague = try TestSupport.accepted(NBAScoreboardAdapter.parse(try Self.scoreboard([game])), "G League")
        let entry = try #require(gLeague.games.first)
        #expect(entry.game.leagueId == "nba-development" && entry.game.homeTeamId == "nba-development-IND")
        #expect(entry.teams.map(\.name) == ["Fever", "Aces"] && entry.teams.map(\.city) == ["Indiana", "Las Vegas"])
    }

    @Test func wnbaPlayByPlayCreditsWNBATeams() throws {
        let box = try TestSupport.accepted(NBABoxscoreAdapter.parse(try Fixtures.bytes(Fixtures.wnbaBoxscore)), "WNBA boxscore")
        func action(_ number: Int, _ type: String, team: String, home: String, away: String, result: String? = nil) -> [String: Any] {
            var action: [String: Any] = [
                "actionNumber": number, "orderNumber": number * 10000, "clock": "PT09M\(50 - number).00S", "period": 1,
                "periodType": "REGULAR", "actionType": type, "subType": "", "teamTricode": team, "scoreHome": home, "scoreAway": away,
                "description": "\(type) \(team)",
            ]
            if let result { action["shotResult"] = result }
            return action
        }
        let start: [String: Any] = [
            "actionNumber": 1, "orderNumber": 10000, "clock": "PT10M00.00S", "period": 1, "actionType": "period", "subType": "start",
            "scoreHome": "0", "scoreAway": "0", "description": "Period Start",
        ]
        let actions = [
            start, action(2, "2pt", team: "LVA", home: "0", away: "2", result: "Made"),
            action(3, "3pt", team: "IND", home: "3", away: "2", result: "Made"),
        ]
        let body: [String: Any] = ["gameId": "1022500153", "actions": actions]
        let payload = try Fixtures.encode(["game": body])
        var live = box
        live.game.status = .live
        live.state = GameState(homeScore: 3, awayScore: 2, period: 1, clockMs: 470_000, clockRunning: true, status: .live)
        live.periodEnded = false
        let feed = try TestSupport.accepted(NBAPlayByPlayAdapter.parse(payload, game: live), "WNBA play-by-play")
        #expect(feed.events.filter { $0.points > 0 }.map(\.teamId) == ["wnba-LVA", "wnba-IND"])
        #expect(feed.state.homeScore == 3 && feed.state.awayScore == 2)
        // A tricode of neither team of this game is refused, even one the WNBA has.
        let wrongBody: [String: Any] = [
            "gameId": "1022500153", "actions": [action(2, "2pt", team: "NYL", home: "0", away: "2", result: "Made")],
        ]
        let wrong = try Fixtures.encode(["game": wrongBody])
        #expect(TestSupport.rejected(NBAPlayByPlayAdapter.parse(wrong, game: live), "NYL").first?.contains("neither") == true)
    }

    // MARK: TheSportsDB livescore

    static func livescore() throws -> ScoreboardSnapshot {
        try TestSupport.accepted(
            TheSportsDBLivescoreAdapter.parse(try Fixtures.bytes(Fixtures.theSportsDBLivescore)), "TheSportsDB livescore")
    }

    @Test func livescoreGamesInTheirLeaguesWithTheirScores() throws {
        let snapshot = try Self.livescore()
        #expect(
            snapshot.games.map(\.game.id) == ["tsdb-9000101", "tsdb-9000102", "tsdb-9000103", "tsdb-9000104"],
            "the Israeli game is left out")
        #expect(snapshot.otherLeagueGames == 1)
        let lakers = try #require(snapshot["tsdb-9000101"])
        #expect(lakers.game.leagueId == "nba" && lakers.game.homeTeamId == "LAL" && lakers.game.awayTeamId == "BOS")
        #expect(lakers.state == GameState(homeScore: 78, awayScore: 74, period: 3, clockMs: 0, clockRunning: false, status: .live))
        let fever = try #require(snapshot["tsdb-9000102"])
        #expect(fever.game.leagueId == "wnba" && fever.game.homeTeamId == "wnba-IND" && fever.game.awayTeamId == "wnba-LVA")
        #expect(fever.state.status == .halftime && fever.state.period == 2 && fever.periodEnded)
        #expect(fever.state.homeScore == 41 && fever.state.awayScore == 38)
        #expect(fever.game.venue == "Gainbridge Fieldhouse", "no strVenue: the home team's arena")
        let liberty = try #require(snapshot["tsdb-9000103"])
        #expect(liberty.game.homeTeamId == "wnba-NYL" && liberty.game.awayTeamId == "wnba-SEA")
        #expect(liberty.state == GameState(homeScore: 88, awayScore: 74, period: 4, clockMs: 0, clockRunning: false, status: .final))
        let knicks = try #require(snapshot["tsdb-9000104"])
        #expect(knicks.game.homeTeamId == "NYK" && knicks.state.status == .scheduled && knicks.state.homeScore == 0)
        #expect(knicks.game.date == "2026-12-05", "00:30 UTC on the 6th is the evening of the 5th in New York")
    }

    @Test func livescoreDiffsIntoEvents() throws {
        let snapshot = try Self.livescore()
        let diff = ScoreboardDiffer.diff(from: nil, to: snapshot)
        #expect(diff.rejected.isEmpty)
        #expect(ServiceRulesValidator.violationsByGame(diff.events).isEmpty)
        // A later poll: the Lakers score, the Fever's game resumes in the 3rd.
        var text = try String(contentsOfFile: try Fixtures.path(Fixtures.theSportsDBLivescore), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"intHomeScore\": \"78\"", with: "\"intHomeScore\": \"80\"")
        text = text.replacingOccurrences(of: "\"strStatus\": \"HT\"", with: "\"strStatus\": \"Q3\"")
        let next = try TestSupport.accepted(TheSportsDBLivescoreAdapter.parse(Array(text.utf8), previous: snapshot), "next poll")
        let second = ScoreboardDiffer.diff(from: snapshot, to: next)
        #expect(second.rejected.isEmpty)
        let lakers = second.events.filter { $0.gameId == "tsdb-9000101" }
        #expect(lakers.map(\.points) == [2] && lakers.first?.teamId == "LAL")
        #expect(second.events.contains { $0.gameId == "tsdb-9000102" && $0.kind == .periodStart && $0.state?.period == 3 })
    }

    @Test func livescoreBreakKeepsThePeriodSeenLast() throws {
        let snapshot = try Self.livescore()
        let text = try String(contentsOfFile: try Fixtures.path(Fixtures.theSportsDBLivescore), encoding: .utf8)
            .replacingOccurrences(of: "\"strStatus\": \"Q3\"", with: "\"strStatus\": \"BT\"")
        let atBreak = try TestSupport.accepted(TheSportsDBLivescoreAdapter.parse(Array(text.utf8), previous: snapshot), "break")
        let lakers = try #require(atBreak["tsdb-9000101"])
        #expect(lakers.state.period == 3 && lakers.periodEnded && lakers.state.status == .live)
    }

    /// Two real polls of TheSportsDB's livescore of every sport (54 and 51 entries: soccer,
    /// hockey, American football with no `strStatus`, baseball, and 8 basketball games in five
    /// leagues), 21 minutes apart: the three NBA games, not started, are read; every other entry
    /// is left out and refuses nothing.
    @Test func realLivescoresOfEverySportGiveTheirNBAGames() throws {
        let first = try TestSupport.accepted(
            TheSportsDBLivescoreAdapter.parse(try Fixtures.bytes(Fixtures.theSportsDBLivescoreAll)), "v2 livescore/all")
        let nba: [(id: String, home: String, away: String)] = [
            ("tsdb-2548849", "ATL", "MEM"), ("tsdb-2601619", "DET", "PHX"), ("tsdb-2601620", "PHI", "NYK"),
        ]
        #expect(first.games.map(\.game.id) == nba.map(\.id))
        for (id, home, away) in nba {
            let game = try #require(first[id])
            #expect(game.game.leagueId == "nba" && game.game.homeTeamId == home && game.game.awayTeamId == away, "\(id)")
            #expect(game.state == GameState(status: .scheduled) && game.game.status == .scheduled, "\(id)")
            // 2026-10-05T23:00:00, a time in UTC without its zone: 19:00 in New York, that day.
            #expect(game.game.startTimeMs == 1_791_241_200_000 && game.game.date == "2026-10-05", "\(id)")
        }
        #expect(ScoreboardDiffer.diff(from: nil, to: first).rejected.isEmpty)
        #expect(first.otherLeagueGames == 5, "the Polish, French, German and two Italian games are counted, no other sport")

        let later = try TestSupport.accepted(
            TheSportsDBLivescoreAdapter.parse(try Fixtures.bytes(Fixtures.theSportsDBLivescoreV1Later), previous: first),
            "v1 livescore.php, its list named \"livescore\" too")
        #expect(later.games.map(\.game.id) == nba.map(\.id) && later.otherLeagueGames == 5)
        let diff = ScoreboardDiffer.diff(from: first, to: later)
        #expect(diff.rejected.isEmpty && diff.events.isEmpty, "nothing changed in the NBA games")
    }

    /// The real entries of games in play are of leagues Courtside does not read. Made NBA games by
    /// a stated edit (`idLeague` 4387 and NBA team names; scores, statuses and progress as
    /// TheSportsDB sent them), the two polls move them as the rules say: overtime to final keeps
    /// the 5th period, a break after the 3rd quarter keeps the 3rd, the 3rd quarter to the 4th, the 2nd quarter going on.
    @Test func realEntriesInPlayMoveByTheStatusRules() throws {
        func asNBA(_ path: String) throws -> [UInt8] {
            var text = try String(contentsOfFile: try Fixtures.path(path), encoding: .utf8)
            for (league, home, away) in [
                ("4578", "Anwil", "G\u{F3}rnik Wa\u{142}brzych"), ("4441", "Rasta Vechta", "Braunschweig"),
                ("4433", "Pallacanestro Cant\u{F9}", "Udine"), ("4433", "Scaligera Basket Verona", "Olimpia Milano"),
            ] {
                let teams = #""strHomeTeam":"\#(home)","strAwayTeam":"\#(away)""#
                #expect(text.contains(teams), "\(home) v \(away)")
                text = text.replacingOccurrences(of: teams, with: #""strHomeTeam":"\#(home) NBA","strAwayTeam":"\#(away) NBA""#)
                text = text.replacingOccurrences(of: #""idLeague":"\#(league)","#, with: #""idLeague":"4387","#)
            }
            for (name, team) in [
                ("Anwil NBA", "Boston Celtics"), ("G\u{F3}rnik Wa\u{142}brzych NBA", "Chicago Bulls"),
                ("Rasta Vechta NBA", "Denver Nuggets"),
                ("Braunschweig NBA", "Miami Heat"), ("Pallacanestro Cant\u{F9} NBA", "Utah Jazz"), ("Udine NBA", "Orlando Magic"),
                ("Scaligera Basket Verona NBA", "Golden State Warriors"), ("Olimpia Milano NBA", "Houston Rockets"),
            ] {
                text = text.replacingOccurrences(of: #""\#(name)""#, with: #""\#(team)""#)
            }
            return Array(text.utf8)
        }
        let first = try TestSupport.accepted(TheSportsDBLivescoreAdapter.parse(try asNBA(Fixtures.theSportsDBLivescoreAll)), "v2")
        let overtime = try #require(first["tsdb-2564053"])
        #expect(overtime.game.homeTeamId == "BOS" && overtime.game.awayTeamId == "CHI")
        #expect(overtime.state == GameState(homeScore: 88, awayScore: 87, period: 5, clockMs: 0, clockRunning: false, status: .live))
        #expect(
            first["tsdb-2563778"]?.state
                == GameState(homeScore: 44, awayScore: 49, period: 3, clockMs: 0, clockRunning: false, status: .live))
        #expect(first["tsdb-2564296"]?.state.period == 3)

        let later = try TestSupport.accepted(
            TheSportsDBLivescoreAdapter.parse(try asNBA(Fixtures.theSportsDBLivescoreV1Later), previous: first), "v1")
        #expect(
            later["tsdb-2564053"]?.state
                == GameState(homeScore: 88, awayScore: 87, period: 5, clockMs: 0, clockRunning: false, status: .final))
        let atBreak = try #require(later["tsdb-2563778"])
        #expect(atBreak.state == GameState(homeScore: 56, awayScore: 65, period: 3, clockMs: 0, clockRunning: false, status: .live))
        #expect(atBreak.periodEnded)
        #expect(
            later["tsdb-2564296"]?.state
                == GameState(homeScore: 61, awayScore: 65, period: 4, clockMs: 0, clockRunning: false, status: .live))

        let diff = ScoreboardDiffer.diff(from: first, to: later)
        #expect(diff.rejected.isEmpty)
        #expect(ServiceRulesValidator.violationsByGame(ScoreboardDiffer.diff(from: nil, to: first).events + diff.events).isEmpty)
        #expect(diff.events.contains { $0.gameId == "tsdb-2564053" && $0.kind == .statusChange && $0.state?.status == .final })
        #expect(diff.events.contains { $0.gameId == "tsdb-2564296" && $0.kind == .periodStart && $0.state?.period == 4 })
        // 12 and 16 points between two polls: each one event, its points in its description.
        let vechta = diff.events.filter { $0.gameId == "tsdb-2563778" }
        #expect(
            vechta.map(\.description)
                == ["DEN +12 (several plays between polls)", "MIA +16 (several plays between polls)", "End of the 3rd quarter"])
        #expect(vechta.last.flatMap(\.state).map { ($0.homeScore, $0.awayScore, $0.period) } ?? (0, 0, 0) == (56, 65, 3))
    }

    @Test func livescoreV1FormAndEmptyAndBadEntries() throws {
        let entry: [String: Any] = [
            "idEvent": "1", "strSport": "Basketball", "idLeague": 4516, "strHomeTeam": "Seattle Storm", "strAwayTeam": "Minnesota Lynx",
            "intHomeScore": "10", "intAwayScore": "12", "strStatus": "Q1",
        ]
        let v1 = try TestSupport.accepted(TheSportsDBLivescoreAdapter.parse(try Fixtures.encode(["events": [entry]])), "v1")
        #expect(v1.games.first?.game.homeTeamId == "wnba-SEA" && v1.games.first?.game.awayTeamId == "wnba-MIN")
        let none = try TestSupport.accepted(TheSportsDBLivescoreAdapter.parse(Array(#"{"livescore":null}"#.utf8)), "nothing live")
        #expect(none.games.isEmpty)
        var soccer = entry
        soccer["strSport"] = "Soccer"
        let soccerOnly = try TestSupport.accepted(TheSportsDBLivescoreAdapter.parse(try Fixtures.encode(["events": [soccer]])), "soccer")
        #expect(soccerOnly.games.isEmpty && soccerOnly.otherLeagueGames == 0, "another sport is not counted")

        var badStatus = entry
        badStatus["strStatus"] = "Q9"
        #expect(
            TestSupport.rejected(TheSportsDBLivescoreAdapter.parse(try Fixtures.encode(["events": [badStatus]])), "Q9").first?.contains(
                "unknown game status") == true)
        var badScore = entry
        badScore["intHomeScore"] = "1e3"
        #expect(!TestSupport.rejected(TheSportsDBLivescoreAdapter.parse(try Fixtures.encode(["events": [badScore]])), "score").isEmpty)
        var pacers = entry
        pacers["strHomeTeam"] = "Indiana Pacers"  // an NBA team listed in the WNBA
        let reasons = TestSupport.rejected(
            TheSportsDBLivescoreAdapter.parse(try Fixtures.encode(["events": [pacers]])), "Pacers in the WNBA")
        #expect(reasons.first?.contains("not one of the 13 WNBA teams") == true, "\(reasons)")
        #expect(
            TestSupport.rejected(TheSportsDBLivescoreAdapter.parse(Array(#"{"teams":[]}"#.utf8)), "no list").first?.contains("neither")
                == true)
    }
}
