import CourtsideDomain
import CourtsideProto

/// Reads ESPN's scoreboard (`site.api.espn.com/apis/site/v2/sports/basketball/nba/scoreboard`):
/// `events[]`, each with `competitions[0]` holding the teams, scores and status.
///
/// Game ids are `espn-<events[].id>`; the date is the US Eastern date of the UTC start time.
public enum ESPNScoreboardAdapter {
    /// Parses a scoreboard payload into its games and their current states.
    ///
    /// - Parameters:
    ///   - payload: the response body.
    ///   - unknownTeams: what to do with a game whose team is not an NBA team (preseason
    ///     scoreboards list exhibitions against clubs like Melbourne United).
    /// - Returns: the snapshot, or every reason it was rejected.
    public static func parse(_ payload: some Sequence<UInt8>, unknownTeams: UnknownTeamPolicy = .reject)
        -> FeedResult<ScoreboardSnapshot>
    {
        let nodes: [JSONNode]
        do throws(FeedError) {
            nodes = try JSONNode.parse(Array(payload))["events"].array(atMost: PayloadLimits.games)
        } catch {
            return .failure(FeedRejection(error))
        }
        return ScoreboardSnapshot.collect(nodes, policy: unknownTeams) { (event) throws(TeamProblem) in
            let id = try invalid { () throws(FeedError) in try event["id"].identifier() }
            let competitions = try invalid { () throws(FeedError) in try event["competitions"].array() }
            guard let competition = competitions.first else {
                throw .invalid(event["competitions"].failure("expected at least one competition"))
            }
            let status = event["status"].isNull ? competition["status"] : event["status"]
            let read = try ESPNCompetition.read(competition, status: status, venue: competition["venue"])
            var entry = read.scoreboardGame(id: "espn-\(id)")
            if entry.game.startTimeMs == 0 {
                entry.game.startTimeMs = event["date"].timestampMs
                if entry.game.startTimeMs > 0 { entry.game.date = GameDate.of(utcMillis: entry.game.startTimeMs) }
            }
            return entry
        }
    }
}
