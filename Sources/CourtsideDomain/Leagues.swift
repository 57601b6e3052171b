public import CourtsideProto

/// The leagues Courtside knows. Their ids are ESPN's league slugs (the path segment of
/// `…/sports/basketball/<id>/scoreboard` and `leagues[0].slug` of its payload), so a provider's
/// league maps to ours without a table.
///
/// Team ids are unique across leagues: NBA teams keep their tricode ("BOS", the id every NBA
/// game stored before leagues existed refers to); every other league's teams are
/// `<league id>-<abbreviation>` ("wnba-IND"), see ``teamID(leagueID:abbreviation:)``.
public enum Leagues {
    public static let nba = League(id: "nba", name: "National Basketball Association", shortName: "NBA")
    public static let wnba = League(id: "wnba", name: "Women's National Basketball Association", shortName: "WNBA")
    public static let gLeague = League(id: "nba-development", name: "NBA G League", shortName: "G League")
    public static let mensCollege = League(
        id: "mens-college-basketball",
        name: "NCAA Men's Basketball",
        shortName: "NCAAM"
    )
    public static let womensCollege = League(
        id: "womens-college-basketball",
        name: "NCAA Women's Basketball",
        shortName: "NCAAW"
    )

    /// Every league, ordered by id.
    public static let all: [League] = [nba, wnba, gLeague, mensCollege, womensCollege].sorted { $0.id < $1.id }

    /// The ids of every league, for validation.
    public static let ids: Set<String> = Set(all.map(\.id))

    /// The league with this id, or nil.
    public static func league(id: String) -> League? {
        all.first { $0.id == id }
    }

    /// The league an ESPN URL path names (`/apis/site/v2/sports/basketball/wnba/scoreboard`),
    /// or nil when the path names none Courtside knows.
    public static func league(espnPath path: String) -> League? {
        let segments = path.split(separator: "/")
        guard let sport = segments.firstIndex(of: "basketball"), sport + 1 < segments.endIndex else { return nil }
        return league(id: String(segments[sport + 1]))
    }

    /// A team's id: the abbreviation for the NBA, `<league id>-<abbreviation>` elsewhere.
    public static func teamID(leagueID: String, abbreviation: String) -> String {
        leagueID == nba.id ? abbreviation : "\(leagueID)-\(abbreviation)"
    }
}
