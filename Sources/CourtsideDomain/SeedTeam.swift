public import CourtsideProto

/// A team of a league Courtside ships data for (the NBA, the WNBA): the seed of the schedule
/// service and what feeds resolve a provider's spelling to.
public struct SeedTeam: Hashable, Sendable {
    /// The league's id ("nba", "wnba").
    public var leagueID: String
    /// The league's tricode ("BOS", "IND").
    public var tricode: String
    /// The city or region the team is named after ("Golden State", "LA").
    public var market: String
    /// The nickname ("Warriors").
    public var name: String
    /// "East" or "West".
    public var conference: String
    /// The division ("Atlantic"); "" in leagues without divisions.
    public var division: String
    /// The primary colour, `#rrggbb`.
    public var primaryColor: String
    /// The secondary colour, `#rrggbb`.
    public var secondaryColor: String
    /// The home arena (current name).
    public var arena: String

    public init(
        leagueID: String = Leagues.nba.id,
        tricode: String,
        market: String,
        name: String,
        conference: String,
        division: String,
        primaryColor: String,
        secondaryColor: String,
        arena: String
    ) {
        self.leagueID = leagueID
        self.tricode = tricode
        self.market = market
        self.name = name
        self.conference = conference
        self.division = division
        self.primaryColor = primaryColor
        self.secondaryColor = secondaryColor
        self.arena = arena
    }

    /// Courtside's id of the team (``Leagues/teamID(leagueID:abbreviation:)``): "BOS", "wnba-IND".
    public var id: String { Leagues.teamID(leagueID: leagueID, abbreviation: tricode) }

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
            secondaryColor: secondaryColor,
            leagueId: leagueID
        )
    }
}
