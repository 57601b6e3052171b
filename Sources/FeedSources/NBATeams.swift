/// One of the 30 NBA teams, as Courtside names it.
public struct NBATeam: Hashable, Sendable {
    /// The NBA tricode, Courtside's team id ("BOS").
    public var tricode: String
    /// The city or region the team is named after ("Golden State", "LA").
    public var market: String
    /// The nickname ("Warriors").
    public var name: String
    /// The home arena (current name).
    public var arena: String
}

/// The 30 NBA teams and every spelling providers use for them.
///
/// ESPN abbreviates some teams differently from the NBA ("GS", "NY", "SA", "NO", "UTAH", "WSH"),
/// Basketball-Reference-style data uses "BRK", "CHO", "PHO", and Sportradar's older payloads carry
/// only a market and a name ("New Orleans" + "Pelicans"). ``lookup(abbreviation:)`` and
/// ``lookup(name:)`` accept all of these; anything else is an unknown team, which adapters reject.
public enum NBATeams {
    /// All 30 teams, ordered by tricode.
    public static let all: [NBATeam] = [
        NBATeam(tricode: "ATL", market: "Atlanta", name: "Hawks", arena: "State Farm Arena"),
        NBATeam(tricode: "BKN", market: "Brooklyn", name: "Nets", arena: "Barclays Center"),
        NBATeam(tricode: "BOS", market: "Boston", name: "Celtics", arena: "TD Garden"),
        NBATeam(tricode: "CHA", market: "Charlotte", name: "Hornets", arena: "Spectrum Center"),
        NBATeam(tricode: "CHI", market: "Chicago", name: "Bulls", arena: "United Center"),
        NBATeam(tricode: "CLE", market: "Cleveland", name: "Cavaliers", arena: "Rocket Arena"),
        NBATeam(tricode: "DAL", market: "Dallas", name: "Mavericks", arena: "American Airlines Center"),
        NBATeam(tricode: "DEN", market: "Denver", name: "Nuggets", arena: "Ball Arena"),
        NBATeam(tricode: "DET", market: "Detroit", name: "Pistons", arena: "Little Caesars Arena"),
        NBATeam(tricode: "GSW", market: "Golden State", name: "Warriors", arena: "Chase Center"),
        NBATeam(tricode: "HOU", market: "Houston", name: "Rockets", arena: "Toyota Center"),
        NBATeam(tricode: "IND", market: "Indiana", name: "Pacers", arena: "Gainbridge Fieldhouse"),
        NBATeam(tricode: "LAC", market: "LA", name: "Clippers", arena: "Intuit Dome"),
        NBATeam(tricode: "LAL", market: "Los Angeles", name: "Lakers", arena: "Crypto.com Arena"),
        NBATeam(tricode: "MEM", market: "Memphis", name: "Grizzlies", arena: "FedExForum"),
        NBATeam(tricode: "MIA", market: "Miami", name: "Heat", arena: "Kaseya Center"),
        NBATeam(tricode: "MIL", market: "Milwaukee", name: "Bucks", arena: "Fiserv Forum"),
        NBATeam(tricode: "MIN", market: "Minnesota", name: "Timberwolves", arena: "Target Center"),
        NBATeam(tricode: "NOP", market: "New Orleans", name: "Pelicans", arena: "Smoothie King Center"),
        NBATeam(tricode: "NYK", market: "New York", name: "Knicks", arena: "Madison Square Garden"),
        NBATeam(tricode: "OKC", market: "Oklahoma City", name: "Thunder", arena: "Paycom Center"),
        NBATeam(tricode: "ORL", market: "Orlando", name: "Magic", arena: "Kia Center"),
        NBATeam(tricode: "PHI", market: "Philadelphia", name: "76ers", arena: "Xfinity Mobile Arena"),
        NBATeam(tricode: "PHX", market: "Phoenix", name: "Suns", arena: "PHX Arena"),
        NBATeam(tricode: "POR", market: "Portland", name: "Trail Blazers", arena: "Moda Center"),
        NBATeam(tricode: "SAC", market: "Sacramento", name: "Kings", arena: "Golden 1 Center"),
        NBATeam(tricode: "SAS", market: "San Antonio", name: "Spurs", arena: "Frost Bank Center"),
        NBATeam(tricode: "TOR", market: "Toronto", name: "Raptors", arena: "Scotiabank Arena"),
        NBATeam(tricode: "UTA", market: "Utah", name: "Jazz", arena: "Delta Center"),
        NBATeam(tricode: "WAS", market: "Washington", name: "Wizards", arena: "Capital One Arena"),
    ]

    /// Provider abbreviations that are not the NBA tricode.
    static let abbreviationAliases: [String: String] = [
        "GS": "GSW", "NY": "NYK", "SA": "SAS", "NO": "NOP", "UTAH": "UTA", "WSH": "WAS",
        "BRK": "BKN", "CHO": "CHA", "PHO": "PHX", "NOR": "NOP", "GST": "GSW", "SAN": "SAS", "NJ": "BKN",
    ]

    /// Other spellings of a market ("Los Angeles Clippers", "LA Lakers").
    static let marketAliases: [String: [String]] = [
        "LAC": ["Los Angeles", "L.A."],
        "LAL": ["LA", "L.A."],
    ]

    private static let byTricode: [String: NBATeam] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.tricode, $0) }
    )

    private static let byName: [String: NBATeam] = {
        var table: [String: NBATeam] = [:]
        for team in all {
            let markets = [team.market] + (marketAliases[team.tricode] ?? [])
            table[normalized(team.name)] = team
            for market in markets { table[normalized("\(market) \(team.name)")] = team }
        }
        return table
    }()

    /// The team with this tricode ("BOS"), or nil.
    public static func team(tricode: String) -> NBATeam? {
        byTricode[tricode]
    }

    /// The team a provider's abbreviation names ("GS" → GSW, "BOS" → BOS), or nil.
    public static func lookup(abbreviation: String) -> NBATeam? {
        let key = abbreviation.trimmingASCIIWhitespace().uppercased()
        return byTricode[abbreviationAliases[key] ?? key]
    }

    /// The team a full name ("Golden State Warriors", "LA Clippers") or a nickname ("Pelicans")
    /// names, or nil.
    public static func lookup(name: String) -> NBATeam? {
        byName[normalized(name)]
    }

    /// Lowercase letters and digits only, so "Trail Blazers", "trail-blazers" and "TrailBlazers" match.
    private static func normalized(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
    }
}
