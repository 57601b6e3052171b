/// Reads an NBA live-data boxscore (`liveData/boxscore/boxscore_<gameId>.json`): the game's
/// teams, arena, start time and current state. It pairs with the play-by-play, which names
/// neither the home team nor the away team.
public enum NBABoxscoreAdapter {
    /// Parses a boxscore payload into the game and its current state.
    public static func parse(_ payload: some Sequence<UInt8>) -> FeedResult<ScoreboardGame> {
        do throws(TeamProblem) {
            let root = try invalid { () throws(FeedError) in try JSONNode.parse(Array(payload)) }
            return .success(try NBALiveDataGame.read(root["game"]))
        } catch {
            return .failure(FeedRejection(error.error))
        }
    }
}
