/// Reads NBA live data's scoreboard (`cdn.nba.com/static/json/liveData/scoreboard/todaysScoreboard_00.json`):
/// `scoreboard.games[]`, each with its teams, score, period, clock and status.
public enum NBAScoreboardAdapter {
    /// Parses a scoreboard payload into its games and their current states.
    ///
    /// - Parameters:
    ///   - payload: the response body.
    ///   - unknownTeams: what to do with a game whose team is not an NBA team.
    /// - Returns: the snapshot, or every reason it was rejected.
    public static func parse(_ payload: some Sequence<UInt8>, unknownTeams: UnknownTeamPolicy = .reject)
        -> FeedResult<ScoreboardSnapshot>
    {
        let nodes: [JSONNode]
        do throws(FeedError) {
            nodes = try JSONNode.parse(Array(payload))["scoreboard"]["games"].array(atMost: PayloadLimits.games)
        } catch {
            return .failure(FeedRejection(error))
        }
        return ScoreboardSnapshot.collect(nodes, policy: unknownTeams, read: NBALiveDataGame.read)
    }
}
