import CourtsideProto

extension SeedTeams {
    /// The 30 NBA teams. ESPN abbreviates some differently from the NBA ("GS", "NY", "SA", "NO",
    /// "UTAH", "WSH"), Basketball-Reference-style data uses "BRK", "CHO", "PHO", and Sportradar's
    /// older payloads carry only a market and a name ("New Orleans" + "Pelicans").
    public static let nba: SeedTeams = {
        let nba = Leagues.nba
        return SeedTeams(
            league: nba,
            teams: [
                row(nba, "ATL", "Atlanta", "Hawks", .east, "Southeast", "#e03a3e", "#c1d32f", arena: "State Farm Arena"),
                row(nba, "BKN", "Brooklyn", "Nets", .east, "Atlantic", "#000000", "#ffffff", arena: "Barclays Center"),
                row(nba, "BOS", "Boston", "Celtics", .east, "Atlantic", "#007a33", "#ba9653", arena: "TD Garden"),
                row(nba, "CHA", "Charlotte", "Hornets", .east, "Southeast", "#1d1160", "#00788c", arena: "Spectrum Center"),
                row(nba, "CHI", "Chicago", "Bulls", .east, "Central", "#ce1141", "#000000", arena: "United Center"),
                row(nba, "CLE", "Cleveland", "Cavaliers", .east, "Central", "#860038", "#fdbb30", arena: "Rocket Arena"),
                row(nba, "DAL", "Dallas", "Mavericks", .west, "Southwest", "#00538c", "#b8c4ca", arena: "American Airlines Center"),
                row(nba, "DEN", "Denver", "Nuggets", .west, "Northwest", "#0e2240", "#fec524", arena: "Ball Arena"),
                row(nba, "DET", "Detroit", "Pistons", .east, "Central", "#c8102e", "#1d42ba", arena: "Little Caesars Arena"),
                row(nba, "GSW", "Golden State", "Warriors", .west, "Pacific", "#1d428a", "#ffc72c", arena: "Chase Center"),
                row(nba, "HOU", "Houston", "Rockets", .west, "Southwest", "#ce1141", "#000000", arena: "Toyota Center"),
                row(nba, "IND", "Indiana", "Pacers", .east, "Central", "#002d62", "#fdbb30", arena: "Gainbridge Fieldhouse"),
                row(nba, "LAC", "LA", "Clippers", .west, "Pacific", "#c8102e", "#1d428a", arena: "Intuit Dome"),
                row(nba, "LAL", "Los Angeles", "Lakers", .west, "Pacific", "#552583", "#fdb927", arena: "Crypto.com Arena"),
                row(nba, "MEM", "Memphis", "Grizzlies", .west, "Southwest", "#5d76a9", "#12173f", arena: "FedExForum"),
                row(nba, "MIA", "Miami", "Heat", .east, "Southeast", "#98002e", "#f9a01b", arena: "Kaseya Center"),
                row(nba, "MIL", "Milwaukee", "Bucks", .east, "Central", "#00471b", "#eee1c6", arena: "Fiserv Forum"),
                row(nba, "MIN", "Minnesota", "Timberwolves", .west, "Northwest", "#0c2340", "#236192", arena: "Target Center"),
                row(nba, "NOP", "New Orleans", "Pelicans", .west, "Southwest", "#0c2340", "#c8102e", arena: "Smoothie King Center"),
                row(nba, "NYK", "New York", "Knicks", .east, "Atlantic", "#006bb6", "#f58426", arena: "Madison Square Garden"),
                row(nba, "OKC", "Oklahoma City", "Thunder", .west, "Northwest", "#007ac1", "#ef3b24", arena: "Paycom Center"),
                row(nba, "ORL", "Orlando", "Magic", .east, "Southeast", "#0077c0", "#c4ced4", arena: "Kia Center"),
                row(nba, "PHI", "Philadelphia", "76ers", .east, "Atlantic", "#006bb6", "#ed174c", arena: "Xfinity Mobile Arena"),
                row(nba, "PHX", "Phoenix", "Suns", .west, "Pacific", "#1d1160", "#e56020", arena: "PHX Arena"),
                row(nba, "POR", "Portland", "Trail Blazers", .west, "Northwest", "#e03a3e", "#000000", arena: "Moda Center"),
                row(nba, "SAC", "Sacramento", "Kings", .west, "Pacific", "#5a2d81", "#63727a", arena: "Golden 1 Center"),
                row(nba, "SAS", "San Antonio", "Spurs", .west, "Southwest", "#c4ced4", "#000000", arena: "Frost Bank Center"),
                row(nba, "TOR", "Toronto", "Raptors", .east, "Atlantic", "#ce1141", "#000000", arena: "Scotiabank Arena"),
                row(nba, "UTA", "Utah", "Jazz", .west, "Northwest", "#002b5c", "#f9a01b", arena: "Delta Center"),
                row(nba, "WAS", "Washington", "Wizards", .east, "Southeast", "#002b5c", "#e31837", arena: "Capital One Arena"),
            ],
            admitsNewTeams: false,
            abbreviationAliases: [
                "GS": "GSW", "NY": "NYK", "SA": "SAS", "NO": "NOP", "UTAH": "UTA", "WSH": "WAS",
                "BRK": "BKN", "CHO": "CHA", "PHO": "PHX", "NOR": "NOP", "GST": "GSW", "SAN": "SAS", "NJ": "BKN",
            ],
            // Other spellings of a market ("Los Angeles Clippers", "LA Lakers").
            marketAliases: ["LAC": ["Los Angeles", "L.A."], "LAL": ["LA", "L.A."]]
        )
    }()
}
