import CourtsideProto

extension PlayByPlayBuilder {
    /// The game and its events from a play-by-play's plays (already read from the payload),
    /// reconciled with what the provider's header says: the game is final once the plays end
    /// it, and keeps the header's state when no event comes out. What every play-by-play
    /// adapter does once it has read its plays.
    ///
    /// - Parameters:
    ///   - game: the game as the header gives it; its id prefixes the synthesized source ids.
    ///   - headerState: the header's state, the game's state when there are no events.
    static func gameFeed(
        game: Game, headerState: GameState, header: Header, plays: [PlayAction], closesWithAPlay: Bool = true,
        holdsUnstartedPeriods: Bool = false
    ) -> FeedResult<GameFeed> {
        var builder = PlayByPlayBuilder(
            gameId: game.id, syntheticPrefix: game.id, header: header, closesWithAPlay: closesWithAPlay,
            holdsUnstartedPeriods: holdsUnstartedPeriods
        )
        builder.add(contentsOf: plays)
        return builder.finished(game: game, headerState: headerState)
    }

    /// As ``gameFeed(game:headerState:header:plays:closesWithAPlay:holdsUnstartedPeriods:)``
    /// with a scoreboard entry (or boxscore) as the header: its status, score, period, clock and
    /// whether the period is over.
    static func gameFeed(of entry: ScoreboardGame, plays: [PlayAction], holdsUnstartedPeriods: Bool = false) -> FeedResult<GameFeed> {
        gameFeed(
            game: entry.game, headerState: entry.state, header: header(of: entry), plays: plays,
            holdsUnstartedPeriods: holdsUnstartedPeriods)
    }

    /// A scoreboard entry (or boxscore) as a header.
    static func header(of entry: ScoreboardGame) -> Header {
        Header(
            status: entry.game.status,
            score: (entry.state.homeScore, entry.state.awayScore),
            period: entry.state.period,
            clockMs: entry.state.clockMs,
            periodEnded: entry.periodEnded,
            leagueID: entry.game.leagueId
        )
    }

    /// The game and its events once the plays added so far are closed as the header says
    /// (``finish()`` on a copy: the builder itself can take more plays).
    func finished(game: Game, headerState: GameState) -> FeedResult<GameFeed> {
        var builder = self
        let errors = builder.finish()
        if !errors.isEmpty { return .failure(FeedRejection(errors)) }
        var game = game
        if builder.state.status == .final { game.status = .final }
        return .success(
            GameFeed(
                game: game,
                events: builder.events,
                state: builder.events.isEmpty ? headerState : builder.state,
                glitches: builder.glitches
            )
        )
    }
}
