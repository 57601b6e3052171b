import CourtsideDomain
import CourtsideProto

/// A team as a provider describes it in a game (ESPN's `competitors[].team`): what a team of a
/// league without seed data is created from.
struct ProviderTeam {
    /// "DUKE".
    var abbreviation: String
    /// "Duke Blue Devils".
    var displayName: String
    /// "Duke".
    var location: String
    /// "Blue Devils".
    var name: String
    /// "001a57" (ESPN writes colours without "#"), or "".
    var color: String
    /// The second colour, or "".
    var alternateColor: String

    /// Longest team id the schedule accepts (`RequestLimits.teamIDBytes`).
    static let maximumIDBytes = RequestLimits.teamIDBytes

    /// A provider colour ("001a57" or "#001a57") as "#rrggbb" in lowercase, or "" when it is not one.
    static func color(_ text: String) -> String {
        let written = text.hasPrefix("#") ? text : "#" + text
        return TeamColor.isValid(written) ? written.lowercased() : ""
    }

    /// Longest city, name or display name kept, in UTF-8 bytes (the schedule's limit: a longer
    /// one would have the created team, and so the game, refused).
    static let maximumTextBytes = RequestLimits.teamTextBytes
}

/// A game's team as resolved: the schedule's record of it, its home arena when Courtside knows
/// it, and whether the feed must create it (a team of a league without seed data).
struct ResolvedTeam {
    var team: Team
    var arena: String
    var created: Bool
}
