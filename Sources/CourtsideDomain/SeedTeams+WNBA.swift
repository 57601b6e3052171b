import CourtsideProto

extension SeedTeams {
    /// The 13 WNBA teams of the 2025 season (the WNBA has two conferences and no divisions).
    /// Teams that joined since (the Toronto Tempo and the Portland Fire in 2026) are not listed:
    /// their games are read with the teams the provider describes (``admitsNewTeams``).
    /// Tricodes are the league's own (WNBA stats: "CON", "LVA", "NYL", "PHO"); ESPN abbreviates
    /// several the way the NBA's teams in the same cities are ("NY", "LA", "GS", "PHX", "WSH"),
    /// which is why a WNBA team is looked up only in this table.
    public static let wnba: SeedTeams = {
        let wnba = Leagues.wnba
        return SeedTeams(
            league: wnba,
            teams: [
                row(wnba, "ATL", "Atlanta", "Dream", .east, "", "#c8102e", "#418fde", arena: "Gateway Center Arena"),
                row(wnba, "CHI", "Chicago", "Sky", .east, "", "#418fde", "#ffcd00", arena: "Wintrust Arena"),
                row(wnba, "CON", "Connecticut", "Sun", .east, "", "#f05023", "#0a2240", arena: "Mohegan Sun Arena"),
                row(wnba, "DAL", "Dallas", "Wings", .west, "", "#002b5c", "#c4d600", arena: "College Park Center"),
                row(wnba, "GSV", "Golden State", "Valkyries", .west, "", "#6a3fa0", "#000000", arena: "Chase Center"),
                row(wnba, "IND", "Indiana", "Fever", .east, "", "#002d62", "#e03a3e", arena: "Gainbridge Fieldhouse"),
                row(wnba, "LAS", "Los Angeles", "Sparks", .west, "", "#702f8a", "#ffc72c", arena: "Crypto.com Arena"),
                row(wnba, "LVA", "Las Vegas", "Aces", .west, "", "#000000", "#a7a8aa", arena: "Michelob Ultra Arena"),
                row(wnba, "MIN", "Minnesota", "Lynx", .west, "", "#236192", "#78be20", arena: "Target Center"),
                row(wnba, "NYL", "New York", "Liberty", .east, "", "#6eceb2", "#000000", arena: "Barclays Center"),
                row(wnba, "PHO", "Phoenix", "Mercury", .west, "", "#201747", "#e56020", arena: "PHX Arena"),
                row(wnba, "SEA", "Seattle", "Storm", .west, "", "#2c5235", "#fee11a", arena: "Climate Pledge Arena"),
                row(wnba, "WAS", "Washington", "Mystics", .east, "", "#0c2340", "#c8102e", arena: "CareFirst Arena"),
            ],
            admitsNewTeams: true,
            abbreviationAliases: [
                "CONN": "CON", "GS": "GSV", "LA": "LAS", "LV": "LVA", "NY": "NYL", "PHX": "PHO", "WSH": "WAS",
            ],
            marketAliases: ["LAS": ["LA"]]
        )
    }()
}
