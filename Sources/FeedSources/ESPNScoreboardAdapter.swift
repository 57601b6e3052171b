import CourtsideDomain
public import CourtsideProto

/// Reads ESPN's basketball scoreboards (`site.api.espn.com/apis/site/v2/sports/basketball/<league>/scoreboard`,
/// `<league>` one of ``Leagues/all``: nba, wnba, nba-development, mens- and
/// womens-college-basketball): `events[]`, each with `competitions[0]` holding the teams,
/// scores and status. Every league's payload has the same shape.
///
/// The league is the payload's `leagues[0].slug`, else the one the caller gives (from the URL
/// path), else the NBA. Teams are resolved within that league only; a league without seed data
/// has its teams created from the payload (``ScoreboardGame/teams``).
///
/// Game ids are `espn-<events[].id>` (ESPN event ids are unique across leagues); the date is
/// the US Eastern date of the UTC start time.
public enum ESPNScoreboardAdapter {
    /// Parses a scoreboard payload into its games and their current states.
    ///
    /// - Parameters:
    ///   - payload: the response body.
    ///   - league: the league when the payload does not say (the one the URL names).
    ///   - unknownTeams: what to do with a game whose team is not one of its seeded league's
    ///     teams (NBA preseason scoreboards list exhibitions against clubs like Melbourne United).
    /// - Returns: the snapshot, or every reason it was rejected.
    public static func parse(
        _ payload: some Sequence<UInt8>,
        league given: League? = nil,
        unknownTeams: UnknownTeamPolicy = .reject
    ) -> FeedResult<ScoreboardSnapshot> {
        let nodes: [JSONNode]
        let league: League
        do throws(FeedError) {
            let root = try JSONNode.parse(Array(payload))
            league = try Self.league(root, given: given)
            nodes = try root["events"].array(atMost: PayloadLimits.games)
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
            let read = try ESPNCompetition.read(competition, status: status, venue: competition["venue"], league: league)
            var entry = read.scoreboardGame(id: "espn-\(id)")
            if entry.game.startTimeMs == 0 {
                entry.game.startTimeMs = event["date"].timestampMs
                if entry.game.startTimeMs > 0 { entry.game.date = GameDate.of(utcMillis: entry.game.startTimeMs) }
            }
            return entry
        }
    }

    /// The payload's league (`leagues[0].slug`), else `given`, else the NBA.
    static func league(_ root: JSONNode, given: League?) throws(FeedError) -> League {
        try league(slug: try root["leagues"].optionalArray(atMost: 8).first?["slug"], given: given)
    }

    /// The league an ESPN `slug` names, else `given`, else the NBA. A slug Courtside does not
    /// know rejects the payload: its teams would otherwise be read as another league's.
    static func league(slug node: JSONNode?, given: League?) throws(FeedError) -> League {
        guard let node, let slug = try node.optionalString(), !slug.isEmpty else { return given ?? Leagues.nba }
        guard let league = Leagues.league(id: slug) else {
            throw node.failure("unknown league \(Excerpt.quoted(slug)): not one of \(Leagues.all.map(\.id).joined(separator: ", "))")
        }
        return league
    }
}
