import CourtsideDomain
import CourtsideProto

/// Why a game's teams could not be resolved: the team is not an NBA team (which a scoreboard
/// may skip, see ``UnknownTeamPolicy``), or the payload is malformed.
enum TeamProblem: Error {
    case unknown(FeedError)
    case invalid(FeedError)

    var error: FeedError {
        switch self {
        case .unknown(let error), .invalid(let error): error
        }
    }
}

/// A game's two teams, as NBA teams.
struct TeamPair {
    var home: NBATeam
    var away: NBATeam
}

extension JSONNode {
    /// The NBA team a provider abbreviation at this node names ("GS" → GSW).
    func team(abbreviation text: String, describedAs display: String = "") throws(TeamProblem) -> NBATeam {
        if let team = NBATeams.lookup(abbreviation: text) ?? (display.isEmpty ? nil : NBATeams.lookup(name: display)) {
            return team
        }
        let shown = display.isEmpty ? Excerpt.quoted(text) : "\(Excerpt.quoted(text)) (\(Excerpt.cut(display)))"
        throw .unknown(failure("unknown team \(shown): not one of the 30 NBA teams", category: .unknownTeam))
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
