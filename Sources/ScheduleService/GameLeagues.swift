import CourtsideDomain
public import CourtsideProto
import CourtsideRPC
public import GRPC

/// Gives each game of a request its league: the league of its teams. A game that names no
/// league (`league_id` ""; every client that predates leagues) gets its teams' league; a game
/// whose teams play in two leagues, or that names another league than theirs, is refused
/// (INVALID_ARGUMENT naming the game and the field).
public enum GameLeagues {
    /// The games with their `league_id` set; the games were validated (their teams exist).
    /// - Parameter teamLeagues: each known team's league, by team id.
    public static func assign(_ games: [Game], teamLeagues: [String: String]) throws(RPCError) -> [Game] {
        var assigned = games
        for index in assigned.indices {
            let game = assigned[index]
            let prefix = "games[\(index)] (id \"\(FieldCheck.shown(game.id))\")"
            let home = league(of: game.homeTeamId, in: teamLeagues)
            let away = league(of: game.awayTeamId, in: teamLeagues)
            guard home == away else {
                throw RPCError(
                    .invalidArgument,
                    "\(prefix): away_team_id: \"\(game.awayTeamId)\" plays in \(away), \"\(game.homeTeamId)\" in \(home); a game's teams play in one league"
                )
            }
            guard game.leagueId.isEmpty || game.leagueId == home else {
                throw RPCError(
                    .invalidArgument,
                    "\(prefix): league_id: \"\(FieldCheck.shown(game.leagueId))\" is not the league of its teams (\(home))"
                )
            }
            assigned[index].leagueId = home
        }
        return assigned
    }

    /// A team's league; teams stored before leagues existed are NBA teams.
    private static func league(of team: String, in leagues: [String: String]) -> String {
        let league = leagues[team] ?? ""
        return league.isEmpty ? Leagues.nba.id : league
    }
}
