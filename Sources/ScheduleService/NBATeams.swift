public import CourtsideProto

/// The 30 NBA teams: the schedule service's seed data, always present in every store.
///
/// A team's id is its NBA tricode ("BOS"), the same id `FeedSources` resolves provider spellings
/// to, so games from any feed name teams the same way.
public enum NBATeams {
    /// All 30 teams, ordered by id.
    public static let all: [Team] = [
        team("ATL", "Atlanta", "Hawks", .east, "Southeast", "#e03a3e", "#c1d32f"),
        team("BKN", "Brooklyn", "Nets", .east, "Atlantic", "#000000", "#ffffff"),
        team("BOS", "Boston", "Celtics", .east, "Atlantic", "#007a33", "#ba9653"),
        team("CHA", "Charlotte", "Hornets", .east, "Southeast", "#1d1160", "#00788c"),
        team("CHI", "Chicago", "Bulls", .east, "Central", "#ce1141", "#000000"),
        team("CLE", "Cleveland", "Cavaliers", .east, "Central", "#860038", "#fdbb30"),
        team("DAL", "Dallas", "Mavericks", .west, "Southwest", "#00538c", "#b8c4ca"),
        team("DEN", "Denver", "Nuggets", .west, "Northwest", "#0e2240", "#fec524"),
        team("DET", "Detroit", "Pistons", .east, "Central", "#c8102e", "#1d42ba"),
        team("GSW", "Golden State", "Warriors", .west, "Pacific", "#1d428a", "#ffc72c"),
        team("HOU", "Houston", "Rockets", .west, "Southwest", "#ce1141", "#000000"),
        team("IND", "Indiana", "Pacers", .east, "Central", "#002d62", "#fdbb30"),
        team("LAC", "LA", "Clippers", .west, "Pacific", "#c8102e", "#1d428a"),
        team("LAL", "Los Angeles", "Lakers", .west, "Pacific", "#552583", "#fdb927"),
        team("MEM", "Memphis", "Grizzlies", .west, "Southwest", "#5d76a9", "#12173f"),
        team("MIA", "Miami", "Heat", .east, "Southeast", "#98002e", "#f9a01b"),
        team("MIL", "Milwaukee", "Bucks", .east, "Central", "#00471b", "#eee1c6"),
        team("MIN", "Minnesota", "Timberwolves", .west, "Northwest", "#0c2340", "#236192"),
        team("NOP", "New Orleans", "Pelicans", .west, "Southwest", "#0c2340", "#c8102e"),
        team("NYK", "New York", "Knicks", .east, "Atlantic", "#006bb6", "#f58426"),
        team("OKC", "Oklahoma City", "Thunder", .west, "Northwest", "#007ac1", "#ef3b24"),
        team("ORL", "Orlando", "Magic", .east, "Southeast", "#0077c0", "#c4ced4"),
        team("PHI", "Philadelphia", "76ers", .east, "Atlantic", "#006bb6", "#ed174c"),
        team("PHX", "Phoenix", "Suns", .west, "Pacific", "#1d1160", "#e56020"),
        team("POR", "Portland", "Trail Blazers", .west, "Northwest", "#e03a3e", "#000000"),
        team("SAC", "Sacramento", "Kings", .west, "Pacific", "#5a2d81", "#63727a"),
        team("SAS", "San Antonio", "Spurs", .west, "Southwest", "#c4ced4", "#000000"),
        team("TOR", "Toronto", "Raptors", .east, "Atlantic", "#ce1141", "#000000"),
        team("UTA", "Utah", "Jazz", .west, "Northwest", "#002b5c", "#f9a01b"),
        team("WAS", "Washington", "Wizards", .east, "Southeast", "#002b5c", "#e31837"),
    ]

    /// The ids of all teams, for validation.
    public static let ids: Set<String> = Set(all.map(\.id))

    /// The team with this id, or nil.
    public static func team(id: String) -> Team? {
        byID[id]
    }

    private static let byID: [String: Team] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    private enum Conference: String {
        case east = "East"
        case west = "West"
    }

    private static func team(
        _ tricode: String,
        _ city: String,
        _ name: String,
        _ conference: Conference,
        _ division: String,
        _ primary: String,
        _ secondary: String
    ) -> Team {
        Team(
            id: tricode,
            tricode: tricode,
            city: city,
            name: name,
            conference: conference.rawValue,
            division: division,
            primaryColor: primary,
            secondaryColor: secondary
        )
    }
}
