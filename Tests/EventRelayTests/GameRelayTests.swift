import CourtsideProto
import EventRelay
import Testing

@Suite struct GameRelayTests {
    private func makeRelay(recent: Int = 1024) -> GameRelay<String> {
        GameRelay<String>(recentCapacity: recent, teams: { _ in (home: "BOS", away: "LAL") }, makePayload: { $0.label })
    }

    private func apply(_ relay: GameRelay<String>, _ events: [Event]) {
        for event in events { relay.apply(StreamItem(item: .event(event))) }
    }

    @Test func eventsMoveTheHeadAndAreOfferedOnceWithTheirPayload() {
        let relay = makeRelay()
        let (subscription, heads) = relay.subscribe(RelayFilter(allGames: true))
        #expect(heads.isEmpty)
        apply(relay, (1...3).map { event("g", $0) })
        apply(relay, [event("g", 2)])  // already relayed
        #expect(subscription.drain().map(\.payload) == ["g#1", "g#2", "g#3"])
        let head = relay.head("g")
        #expect(head?.position == Position(epoch: 7, seq: 3))
        #expect(head?.state.homeScore == 3)
        #expect(head?.homeTeamId == "BOS", "teams come from the schedule when events do not say")
        #expect(relay.cursors == [GameCursor(gameId: "g", after: Position(epoch: 7, seq: 3))])
    }

    @Test func registrationReturnsTheHeadsAndThenExactlyTheItemsAfterThem() {
        let relay = makeRelay()
        apply(relay, (1...5).map { event("g", $0) })
        let (subscription, heads) = relay.subscribe(RelayFilter(gameIds: ["g"]))
        #expect(heads["g"]?.lastSeq == 5)
        apply(relay, [event("g", 6)])
        #expect(subscription.drain().map(\.position.seq) == [6])
    }

    @Test func recentEventsCoverTheWindowOnly() {
        let relay = makeRelay(recent: 4)
        apply(relay, (1...10).map { event("g", $0) })
        #expect(relay.recentEvents(gameId: "g", epoch: 7, afterSeq: 6, upTo: 10)?.compactMap { $0.position?.seq } == [7, 8, 9, 10])
        #expect(relay.recentEvents(gameId: "g", epoch: 7, afterSeq: 8, upTo: 9)?.compactMap { $0.position?.seq } == [9])
        #expect(relay.recentEvents(gameId: "g", epoch: 7, afterSeq: 5, upTo: 10) == nil, "older than the window")
        #expect(relay.recentEvents(gameId: "g", epoch: 8, afterSeq: 8, upTo: 10) == nil, "another epoch")
        #expect(relay.recentEvents(gameId: "g", epoch: 7, afterSeq: 10, upTo: 10) == [])
    }

    @Test func aGapOrANewEpochRestartsTheWindow() {
        let relay = makeRelay()
        apply(relay, (1...3).map { event("g", $0) })
        apply(relay, [event("g", 6)])
        #expect(relay.recentEvents(gameId: "g", epoch: 7, afterSeq: 3, upTo: 6) == nil, "the window is contiguous")
        #expect(relay.recentEvents(gameId: "g", epoch: 7, afterSeq: 5, upTo: 6)?.count == 1)
        apply(relay, [event("g", 1, epoch: 8)])
        #expect(relay.head("g")?.position == Position(epoch: 8, seq: 1))
        #expect(relay.recentEvents(gameId: "g", epoch: 8, afterSeq: 0, upTo: 1)?.count == 1)
    }

    @Test func anUpstreamSnapshotResetsTheGameForEverySubscriber() {
        let relay = makeRelay()
        apply(relay, (1...3).map { event("g", $0) })
        let (subscription, _) = relay.subscribe(RelayFilter(gameIds: ["g"]))
        relay.apply(StreamItem(item: .snapshot(snapshot("g", 2))))  // not newer: ignored
        relay.apply(StreamItem(item: .snapshot(snapshot("g", 40, epoch: 9))))
        let items = subscription.drain()
        #expect(items.map(\.payload) == ["g@40:reset"])
        #expect(items.first?.restartsGame == true)
        #expect(relay.head("g")?.position == Position(epoch: 9, seq: 40))
        #expect(relay.recentEvents(gameId: "g", epoch: 9, afterSeq: 39, upTo: 40) == nil, "no events kept across a reset")
    }

    @Test func seedingFillsOnlyGamesTheUpstreamHasNotMentioned() {
        let relay = makeRelay()
        apply(relay, [event("g", 1)])
        relay.seed(snapshot("g", 30))
        relay.seed(snapshot("h", 30))
        #expect(relay.head("g")?.lastSeq == 1)
        #expect(relay.head("h")?.lastSeq == 30)
    }

    @Test func filtersDeliverWhatTheyName() {
        let relay = makeRelay()
        relay.seed(snapshot("bos", 0, status: .scheduled, home: "BOS", away: "NYK"))
        relay.seed(snapshot("mia", 0, status: .scheduled, home: "MIA", away: "ATL"))
        let (byGame, _) = relay.subscribe(RelayFilter(gameIds: ["mia"]))
        let (byTeam, _) = relay.subscribe(RelayFilter(teamIds: ["NYK"]))
        let (allLive, _) = relay.subscribe(RelayFilter(allLive: true))
        apply(relay, [event("bos", 1, status: .scheduled), event("mia", 1, status: .live), event("bos", 2, status: .halftime)])
        apply(relay, [event("mia", 2, status: .final), event("mia", 3, status: .final)])
        #expect(byGame.drain().map(\.payload) == ["mia#1", "mia#2", "mia#3"])
        #expect(byTeam.drain().map(\.payload) == ["bos#1", "bos#2"])
        #expect(allLive.drain().map(\.payload) == ["mia#1", "bos#2", "mia#2"], "live or halftime, and the item that ends a game")
    }

    @Test func aChangedFilterAppliesToLaterItems() {
        let relay = makeRelay()
        let (subscription, _) = relay.subscribe(RelayFilter(gameIds: ["a"]))
        apply(relay, [event("b", 1)])
        subscription.setFilter(RelayFilter(gameIds: ["a", "b"]))
        apply(relay, [event("b", 2)])
        #expect(subscription.drain().map(\.payload) == ["b#2"])
    }

    @Test func stoppingFinishesEverySubscriberAndLaterOnes() async {
        let relay = makeRelay()
        let (before, _) = relay.subscribe(RelayFilter(allGames: true))
        #expect(relay.subscriberCount == 1)
        relay.stop()
        #expect(relay.subscriberCount == 0)
        let (after, _) = relay.subscribe(RelayFilter(allGames: true))
        #expect(relay.subscriberCount == 0)
        guard case .finished = await before.next(), case .finished = await after.next() else {
            Issue.record("both end")
            return
        }
    }

    @Test func aSlowSubscriberNeverHoldsUpTheOthers() {
        let relay = makeRelay()
        let (slow, _) = relay.subscribe(RelayFilter(allGames: true), capacity: 2)
        let (other, _) = relay.subscribe(RelayFilter(allGames: true), capacity: 100)
        apply(relay, (1...10).map { event("g", $0) })
        #expect(slow.isOverflowed)
        #expect(other.drain().count == 10)
        #expect(relay.deepestQueue == 0)
        relay.unsubscribe(slow)
        #expect(relay.subscriberCount == 1)
    }
}
