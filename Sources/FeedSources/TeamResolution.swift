import CourtsideDomain
import CourtsideProto

/// Why a game's teams could not be resolved: the team is not one of its seeded league's teams
/// (which a scoreboard may skip, see ``UnknownTeamPolicy``), or the payload is malformed.
enum TeamProblem: Error {
    case unknown(FeedError)
    case invalid(FeedError)

    var error: FeedError {
        switch self {
        case .unknown(let error), .invalid(let error): error
        }
    }
}

extension JSONNode {
    /// The NBA team a provider abbreviation at this node names ("GS" → GSW), for the sources
    /// that carry only NBA games (NBA live data, Sportradar's NBA feed).
    func team(abbreviation text: String, describedAs display: String = "") throws(TeamProblem) -> SeedTeam {
        try team(abbreviation: text, describedAs: display, in: SeedTeams.nba)
    }

    /// The team of a seeded league a provider abbreviation (or display name) at this node names.
    func team(abbreviation text: String, describedAs display: String = "", in seeds: SeedTeams) throws(TeamProblem) -> SeedTeam {
        if let team = seeds.lookup(abbreviation: text) ?? (display.isEmpty ? nil : seeds.lookup(name: display)) {
            return team
        }
        let shown = display.isEmpty ? Excerpt.quoted(text) : "\(Excerpt.quoted(text)) (\(Excerpt.cut(display)))"
        throw .unknown(
            failure("unknown team \(shown): not one of the \(seeds.all.count) \(seeds.league.shortName) teams", category: .unknownTeam)
        )
    }

    /// The team a provider describes at this node, resolved within `league` only: one of the
    /// league's seed teams, or, for a league without seed data or one whose seed admits new
    /// teams (``SeedTeams/admitsNewTeams``: the WNBA's expansion teams), a team created from the
    /// provider's own data. A team is never looked up in another league.
    func team(_ provided: ProviderTeam, in league: League) throws(TeamProblem) -> ResolvedTeam {
        if let seeds = SeedTeams.forLeague(league.id) {
            do throws(TeamProblem) {
                let team = try team(abbreviation: provided.abbreviation, describedAs: provided.displayName, in: seeds)
                return ResolvedTeam(team: team.message, arena: team.arena, created: false)
            } catch .unknown(let unknown) {
                guard seeds.admitsNewTeams else { throw .unknown(unknown) }
            }
        }
        return ResolvedTeam(team: try invalid { () throws(FeedError) in try created(provided, in: league) }, arena: "", created: true)
    }

    /// A team of a league without seed data, from the provider's name, abbreviation and colours.
    private func created(_ provided: ProviderTeam, in league: League) throws(FeedError) -> Team {
        // Team ids are written with A–Z, 0–9, "_", "." and "-" (the bridge's TeamId), so
        // "TA&M" (Texas A&M) becomes "TAM".
        let kept = provided.abbreviation.uppercased().unicodeScalars.filter {
            ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." || $0 == "-"
        }
        let abbreviation = String(String.UnicodeScalarView(kept))
        guard !abbreviation.isEmpty else { throw failure("team without an abbreviation") }
        let id = Leagues.teamID(leagueID: league.id, abbreviation: abbreviation)
        guard id.utf8.count <= ProviderTeam.maximumIDBytes else {
            throw failure("team abbreviation \(Excerpt.quoted(provided.abbreviation)) is too long for an id")
        }
        let name = provided.name.isEmpty ? provided.displayName : provided.name
        return Team(
            id: id,
            tricode: abbreviation,
            city: provided.location,
            name: name.isEmpty ? abbreviation : name,
            primaryColor: ProviderTeam.color(provided.color),
            secondaryColor: ProviderTeam.color(provided.alternateColor),
            leagueId: league.id
        )
    }
}

extension ScoreboardSnapshot {
    /// Builds a snapshot from per-game readers, applying the unknown-team policy: an unknown
    /// team either rejects the payload or skips the game; any other problem rejects it.
    static func collect(
        _ nodes: [JSONNode],
        policy: UnknownTeamPolicy,
        read: (JSONNode) throws(TeamProblem) -> ScoreboardGame
    ) -> FeedResult<ScoreboardSnapshot> {
        var games: [ScoreboardGame] = []
        var skipped: [FeedError] = []
        var problems: [FeedError] = []
        var seen: Set<String> = []
        for node in nodes {
            do throws(TeamProblem) {
                let game = try read(node)
                if !seen.insert(game.game.id).inserted {
                    problems.append(node.failure("game \(game.game.id) appears twice"))
                    continue
                }
                games.append(game)
            } catch {
                switch (error, policy) {
                case (.unknown(let reason), .skipGame): skipped.append(reason)
                default: problems.append(error.error)
                }
            }
        }
        if !problems.isEmpty { return .failure(FeedRejection(problems)) }
        return .success(ScoreboardSnapshot(games: games, skipped: skipped))
    }
}

/// Reads with a `FeedError`-throwing body inside a `TeamProblem`-throwing reader.
func invalid<T>(_ body: () throws(FeedError) -> T) throws(TeamProblem) -> T {
    do throws(FeedError) {
        return try body()
    } catch {
        throw .invalid(error)
    }
}
