import CourtsideProto
import EventRelay
import Testing

/// A filter's leagues narrow what its other fields select, in the relay's delivery.
@Suite struct RelayFilterLeagueTests {
    @Test func leaguesAloneSelectEveryGameOfThoseLeagues() {
        let filter = RelayFilter(SubscriptionFilter(leagueIds: ["wnba"]))
        #expect(!filter.isEmpty && filter.allGames && filter.leagueIds == ["wnba"])
        #expect(
            filter.matches(
                gameId: "w", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", leagueId: "wnba", status: .live, previousStatus: nil))
        #expect(!filter.matches(gameId: "n", homeTeamId: "IND", awayTeamId: "BOS", leagueId: "nba", status: .live, previousStatus: nil))
        #expect(
            !filter.matches(gameId: "u", homeTeamId: "", awayTeamId: "", leagueId: nil, status: .live, previousStatus: nil),
            "a game whose league is not known yet matches no league")
        #expect(RelayFilter(SubscriptionFilter(allGames: true)).admits(league: nil), "without leagues, everything")
    }

    @Test func leaguesNarrowGamesTeamsAndLiveGames() {
        let live = RelayFilter(SubscriptionFilter(allLive: true, leagueIds: ["nba"]))
        #expect(!live.allGames)
        #expect(live.matches(gameId: "n", homeTeamId: "BOS", awayTeamId: "LAL", leagueId: "nba", status: .live, previousStatus: nil))
        #expect(!live.matches(gameId: "n", homeTeamId: "BOS", awayTeamId: "LAL", leagueId: "nba", status: .scheduled, previousStatus: nil))
        #expect(
            !live.matches(gameId: "w", homeTeamId: "wnba-IND", awayTeamId: "wnba-SEA", leagueId: "wnba", status: .live, previousStatus: nil)
        )
        let games = RelayFilter(SubscriptionFilter(gameIds: ["n", "w"], leagueIds: ["wnba", "nba-development"]))
        #expect(games.matches(gameId: "w", homeTeamId: "", awayTeamId: "", leagueId: "wnba", status: .scheduled, previousStatus: nil))
        #expect(!games.matches(gameId: "n", homeTeamId: "", awayTeamId: "", leagueId: "nba", status: .scheduled, previousStatus: nil))
    }

    @Test func theRelayAsksTheGamesLeagueOncePerItem() {
        let leagues = ["n": "nba", "w": "wnba"]
        let relay = GameRelay<String>(league: { leagues[$0] }, makePayload: { $0.label })
        let (wnba, _) = relay.subscribe(RelayFilter(SubscriptionFilter(leagueIds: ["wnba"])))
        let (nbaLive, _) = relay.subscribe(RelayFilter(SubscriptionFilter(allLive: true, leagueIds: ["nba"])))
        let (everything, _) = relay.subscribe(RelayFilter(allGames: true))
        for seq in UInt64(1)...2 {
            for game in ["n", "w", "x"] { relay.apply(StreamItem(item: .event(event(game, seq)))) }
        }
        relay.apply(StreamItem(item: .snapshot(snapshot("w", 9, epoch: 8))))
        #expect(wnba.drain().map(\.payload) == ["w#1", "w#2", "w@9:reset"])
        #expect(nbaLive.drain().map(\.payload) == ["n#1", "n#2"])
        #expect(everything.drain().count == 7)
    }
}
