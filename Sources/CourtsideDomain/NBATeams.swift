public import CourtsideProto
import Foundation

/// The 30 NBA teams (the one table every service seeds from) and every spelling providers use
/// for them.
///
/// ESPN abbreviates some teams differently from the NBA ("GS", "NY", "SA", "NO", "UTAH", "WSH"),
/// Basketball-Reference-style data uses "BRK", "CHO", "PHO", and Sportradar's older payloads carry
/// only a market and a name ("New Orleans" + "Pelicans"). ``lookup(abbreviation:)`` and
/// ``lookup(name:)`` accept all of these; anything else is an unknown team, which adapters reject.
public enum NBATeams {
    /// All 30 teams, ordered by tricode.
    public static let all: [NBATeam] = [
        row("ATL", "Atlanta", "Hawks", .east, "Southeast", "#e03a3e", "#c1d32f", arena: "State Farm Arena"),
        row("BKN", "Brooklyn", "Nets", .east, "Atlantic", "#000000", "#ffffff", arena: "Barclays Center"),
        row("BOS", "Boston", "Celtics", .east, "Atlantic", "#007a33", "#ba9653", arena: "TD Garden"),
        row("CHA", "Charlotte", "Hornets", .east, "Southeast", "#1d1160", "#00788c", arena: "Spectrum Center"),
        row("CHI", "Chicago", "Bulls", .east, "Central", "#ce1141", "#000000", arena: "United Center"),
        row("CLE", "Cleveland", "Cavaliers", .east, "Central", "#860038", "#fdbb30", arena: "Rocket Arena"),
        row("DAL", "Dallas", "Mavericks", .west, "Southwest", "#00538c", "#b8c4ca", arena: "American Airlines Center"),
        row("DEN", "Denver", "Nuggets", .west, "Northwest", "#0e2240", "#fec524", arena: "Ball Arena"),
        row("DET", "Detroit", "Pistons", .east, "Central", "#c8102e", "#1d42ba", arena: "Little Caesars Arena"),
        row("GSW", "Golden State", "Warriors", .west, "Pacific", "#1d428a", "#ffc72c", arena: "Chase Center"),
        row("HOU", "Houston", "Rockets", .west, "Southwest", "#ce1141", "#000000", arena: "Toyota Center"),
        row("IND", "Indiana", "Pacers", .east, "Central", "#002d62", "#fdbb30", arena: "Gainbridge Fieldhouse"),
        row("LAC", "LA", "Clippers", .west, "Pacific", "#c8102e", "#1d428a", arena: "Intuit Dome"),
        row("LAL", "Los Angeles", "Lakers", .west, "Pacific", "#552583", "#fdb927", arena: "Crypto.com Arena"),
        row("MEM", "Memphis", "Grizzlies", .west, "Southwest", "#5d76a9", "#12173f", arena: "FedExForum"),
        row("MIA", "Miami", "Heat", .east, "Southeast", "#98002e", "#f9a01b", arena: "Kaseya Center"),
        row("MIL", "Milwaukee", "Bucks", .east, "Central", "#00471b", "#eee1c6", arena: "Fiserv Forum"),
        row("MIN", "Minnesota", "Timberwolves", .west, "Northwest", "#0c2340", "#236192", arena: "Target Center"),
        row("NOP", "New Orleans", "Pelicans", .west, "Southwest", "#0c2340", "#c8102e", arena: "Smoothie King Center"),
        row("NYK", "New York", "Knicks", .east, "Atlantic", "#006bb6", "#f58426", arena: "Madison Square Garden"),
        row("OKC", "Oklahoma City", "Thunder", .west, "Northwest", "#007ac1", "#ef3b24", arena: "Paycom Center"),
        row("ORL", "Orlando", "Magic", .east, "Southeast", "#0077c0", "#c4ced4", arena: "Kia Center"),
        row("PHI", "Philadelphia", "76ers", .east, "Atlantic", "#006bb6", "#ed174c", arena: "Xfinity Mobile Arena"),
        row("PHX", "Phoenix", "Suns", .west, "Pacific", "#1d1160", "#e56020", arena: "PHX Arena"),
        row("POR", "Portland", "Trail Blazers", .west, "Northwest", "#e03a3e", "#000000", arena: "Moda Center"),
        row("SAC", "Sacramento", "Kings", .west, "Pacific", "#5a2d81", "#63727a", arena: "Golden 1 Center"),
        row("SAS", "San Antonio", "Spurs", .west, "Southwest", "#c4ced4", "#000000", arena: "Frost Bank Center"),
        row("TOR", "Toronto", "Raptors", .east, "Atlantic", "#ce1141", "#000000", arena: "Scotiabank Arena"),
        row("UTA", "Utah", "Jazz", .west, "Northwest", "#002b5c", "#f9a01b", arena: "Delta Center"),
        row("WAS", "Washington", "Wizards", .east, "Southeast", "#002b5c", "#e31837", arena: "Capital One Arena"),
    ]

    /// The tricodes of all teams, for validation.
    public static let ids: Set<String> = Set(all.map(\.id))

    /// All 30 teams as the schedule service stores and serves them, ordered by id.
    public static let messages: [Team] = all.map(\.message)

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
        let key = abbreviation.trimmingCharacters(in: asciiWhitespace).uppercased()
        return byTricode[abbreviationAliases[key] ?? key]
    }

    /// The team a full name ("Golden State Warriors", "LA Clippers") or a nickname ("Pelicans")
    /// names, or nil.
    public static func lookup(name: String) -> NBATeam? {
        byName[normalized(name)]
    }

    private enum Conference: String {
        case east = "East"
        case west = "West"
    }

    /// Spaces, tabs and line ends around a provider's abbreviation.
    private static let asciiWhitespace = CharacterSet(charactersIn: " \t\n\r")

    /// One team of the table, its columns in order.
    private static func row(
        _ tricode: String,
        _ market: String,
        _ name: String,
        _ conference: Conference,
        _ division: String,
        _ primary: String,
        _ secondary: String,
        arena: String
    ) -> NBATeam {
        NBATeam(
            tricode: tricode,
            market: market,
            name: name,
            conference: conference.rawValue,
            division: division,
            primaryColor: primary,
            secondaryColor: secondary,
            arena: arena
        )
    }

    /// Lowercase letters and digits only, so "Trail Blazers", "trail-blazers" and "TrailBlazers" match.
    private static func normalized(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
    }
}
