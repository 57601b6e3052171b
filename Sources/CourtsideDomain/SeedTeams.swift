public import CourtsideProto
import Foundation

/// The teams of one league Courtside ships data for, and every spelling providers use for them.
///
/// Lookups stay inside the league: a WNBA scoreboard's "IND" is the Fever, never the Pacers.
/// ``lookup(abbreviation:)`` accepts the league's tricodes and the providers' other
/// abbreviations (``abbreviationAliases``); ``lookup(name:)`` full names ("Golden State
/// Warriors", "LA Clippers") and nicknames ("Pelicans"). Anything else is not a team of this
/// league.
public struct SeedTeams: Sendable {
    /// The league.
    public let league: League
    /// Its teams, ordered by tricode.
    public let all: [SeedTeam]
    /// Whether a team a provider reports for this league that the table lacks is a new team of
    /// the league, created from the provider's own data, rather than no team of it. The WNBA
    /// grows (two expansion teams in 2026, more announced): a table written for one season would
    /// otherwise skip a new team's games. The NBA's 30 teams are fixed; a club its scoreboards
    /// list besides them is a preseason exhibition opponent (Melbourne United), not an NBA team.
    public let admitsNewTeams: Bool
    /// Provider abbreviations that are not the league's tricode ("GS" → "GSW").
    let abbreviationAliases: [String: String]
    private let byTricode: [String: SeedTeam]
    private let byName: [String: SeedTeam]

    /// A league's table.
    /// - Parameters:
    ///   - marketAliases: other spellings of a team's market, by tricode ("LAC": ["Los Angeles"]).
    ///   - admitsNewTeams: see ``admitsNewTeams``.
    init(
        league: League, teams: [SeedTeam], admitsNewTeams: Bool, abbreviationAliases: [String: String],
        marketAliases: [String: [String]] = [:]
    ) {
        self.league = league
        self.admitsNewTeams = admitsNewTeams
        all = teams.sorted { $0.tricode < $1.tricode }
        ids = Set(teams.map(\.id))
        self.abbreviationAliases = abbreviationAliases
        byTricode = Dictionary(uniqueKeysWithValues: teams.map { ($0.tricode, $0) })
        var names: [String: SeedTeam] = [:]
        for team in teams {
            names[Self.normalized(team.name)] = team
            for market in [team.market] + (marketAliases[team.tricode] ?? []) {
                names[Self.normalized("\(market) \(team.name)")] = team
            }
        }
        byName = names
    }

    /// Every league with seed data.
    public static let leagues: [SeedTeams] = [nba, wnba]

    /// The seed data of a league, or nil when Courtside has none for it (its teams come from
    /// the providers).
    public static func forLeague(_ id: String) -> SeedTeams? {
        leagues.first { $0.league.id == id }
    }

    /// The teams of every seeded league as the schedule service stores them, ordered by id.
    public static let messages: [Team] = leagues.flatMap { $0.all.map(\.message) }.sorted { $0.id < $1.id }

    /// The ids of every seeded team.
    public static let ids: Set<String> = Set(messages.map(\.id))

    /// The ids of this league's teams.
    public let ids: Set<String>

    /// The team with this tricode ("BOS"), or nil.
    public func team(tricode: String) -> SeedTeam? {
        byTricode[tricode]
    }

    /// The team a provider's abbreviation names ("GS" → GSW, "BOS" → BOS), or nil.
    public func lookup(abbreviation: String) -> SeedTeam? {
        let key = abbreviation.trimmingCharacters(in: Self.asciiWhitespace).uppercased()
        return byTricode[abbreviationAliases[key] ?? key]
    }

    /// The team a full name ("Golden State Warriors", "LA Clippers") or a nickname ("Pelicans")
    /// names, or nil.
    public func lookup(name: String) -> SeedTeam? {
        byName[Self.normalized(name)]
    }

    /// Spaces, tabs and line ends around a provider's abbreviation.
    private static let asciiWhitespace = CharacterSet(charactersIn: " \t\n\r")

    /// Lowercase letters and digits only, so "Trail Blazers", "trail-blazers" and "TrailBlazers" match.
    private static func normalized(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
    }

    enum Conference: String {
        case east = "East"
        case west = "West"
    }

    /// One team of a table, its columns in order.
    static func row(
        _ league: League,
        _ tricode: String,
        _ market: String,
        _ name: String,
        _ conference: Conference,
        _ division: String,
        _ primary: String,
        _ secondary: String,
        arena: String
    ) -> SeedTeam {
        SeedTeam(
            leagueID: league.id,
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
}
