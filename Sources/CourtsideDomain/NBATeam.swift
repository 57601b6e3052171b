public import CourtsideProto

/// One of the 30 NBA teams, as Courtside names it: the seed of the schedule service and what
/// feeds resolve a provider's spelling to.
public struct NBATeam: Hashable, Sendable {
    /// The NBA tricode, Courtside's team id ("BOS").
    public var tricode: String
    /// The city or region the team is named after ("Golden State", "LA").
    public var market: String
    /// The nickname ("Warriors").
    public var name: String
    /// "East" or "West".
    public var conference: String
    /// The division ("Atlantic").
    public var division: String
    /// The primary colour, `#rrggbb`.
    public var primaryColor: String
    /// The secondary colour, `#rrggbb`.
    public var secondaryColor: String
    /// The home arena (current name).
    public var arena: String

    public init(
        tricode: String,
        market: String,
        name: String,
        conference: String,
        division: String,
        primaryColor: String,
        secondaryColor: String,
        arena: String
    ) {
        self.tricode = tricode
        self.market = market
        self.name = name
        self.conference = conference
        self.division = division
        self.primaryColor = primaryColor
        self.secondaryColor = secondaryColor
        self.arena = arena
    }

    /// Courtside's id of the team: its tricode.
    public var id: String { tricode }

    /// The team as the schedule service stores and serves it.
    public var message: Team {
        Team(
            id: id,
            tricode: tricode,
            city: market,
            name: name,
            conference: conference,
            division: division,
            primaryColor: primaryColor,
            secondaryColor: secondaryColor
        )
    }
}
