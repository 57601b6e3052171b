public import CourtsideProto
import NIOCore
import Synchronization

/// Relays one upstream event stream (every game) to many downstream subscribers, and keeps
/// what a subscriber needs to catch up: each game's head (position and state) and its most
/// recent events.
///
/// Upstream items are applied in order; each event is checked against the game's position
/// (duplicates dropped, a new epoch or a gap restarts the recent window) and offered, once, to
/// every subscriber whose filter matches, with a payload computed once for all of them.
/// Registration and delivery share one lock: a subscriber gets the heads at registration and
/// then exactly the items after them.
public final class GameRelay<Payload: Sendable>: Sendable {
    /// What the relay knows of a game.
    public struct Head: Sendable, Hashable {
        public var gameId: String
        public var epoch: UInt64
        public var lastSeq: UInt64
        public var state: GameState
        public var homeTeamId: String
        public var awayTeamId: String
        public var updatedAtMs: Int64

        public var position: Position { Position(epoch: epoch, seq: lastSeq) }

        public init(
            gameId: String, epoch: UInt64, lastSeq: UInt64, state: GameState, homeTeamId: String, awayTeamId: String, updatedAtMs: Int64
        ) {
            self.gameId = gameId
            self.epoch = epoch
            self.lastSeq = lastSeq
            self.state = state
            self.homeTeamId = homeTeamId
            self.awayTeamId = awayTeamId
            self.updatedAtMs = updatedAtMs
        }

        /// The head a snapshot describes.
        public init(snapshot: Snapshot) {
            self.init(
                gameId: snapshot.gameId, epoch: snapshot.position?.epoch ?? 0, lastSeq: snapshot.position?.seq ?? 0,
                state: snapshot.state ?? GameState(), homeTeamId: snapshot.homeTeamId, awayTeamId: snapshot.awayTeamId,
                updatedAtMs: snapshot.updatedAtMs
            )
        }

        public var snapshot: Snapshot {
            Snapshot(
                gameId: gameId, position: position, state: state, homeTeamId: homeTeamId, awayTeamId: awayTeamId,
                updatedAtMs: updatedAtMs
            )
        }
    }

    private struct Entry {
        var head: Head
        var recent = CircularBuffer<Event>()
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var subscribers = SubscriberRegistry<RelayedItem<Payload>>()
    }

    private let state = Mutex(State())
    private let makePayload: @Sendable (StreamItem) -> Payload
    private let teams: @Sendable (String) -> (home: String, away: String)?
    private let league: @Sendable (String) -> String?
    public let recentCapacity: Int
    public let subscriberCapacity: Int

    /// - Parameters:
    ///   - recentCapacity: recent events kept per game for catch-up.
    ///   - subscriberCapacity: how far a subscriber may fall behind.
    ///   - teams: the teams of a game, when an upstream item does not say (events don't).
    ///   - league: the league of a game (nil while not known), asked once per item for the
    ///     subscribers that follow some leagues only (``RelayFilter/leagueIds``).
    ///   - makePayload: computed once per item, shared by every subscriber.
    public init(
        recentCapacity: Int = 1024,
        subscriberCapacity: Int = 10_000,
        teams: @escaping @Sendable (String) -> (home: String, away: String)? = { _ in nil },
        league: @escaping @Sendable (String) -> String? = { _ in nil },
        makePayload: @escaping @Sendable (StreamItem) -> Payload
    ) {
        self.recentCapacity = recentCapacity
        self.subscriberCapacity = subscriberCapacity
        self.teams = teams
        self.league = league
        self.makePayload = makePayload
    }

    // MARK: Upstream

    /// Applies one item of the upstream stream.
    public func apply(_ item: StreamItem) {
        switch item.item {
        case .event(let event):
            guard let position = event.position, !event.gameId.isEmpty else { return }
            let payload = makePayload(item)
            let relayed = RelayedItem(gameId: event.gameId, item: item, position: position, payload: payload)
            let teams = self.teams
            let league = self.league(event.gameId)
            state.withLock { state in
                var entry =
                    state.entries[event.gameId]
                    ?? Entry(
                        head: Head(
                            gameId: event.gameId, epoch: position.epoch, lastSeq: 0, state: GameState(),
                            homeTeamId: teams(event.gameId)?.home ?? "", awayTeamId: teams(event.gameId)?.away ?? "", updatedAtMs: 0
                        )
                    )
                if entry.head.epoch != position.epoch {
                    entry.head.epoch = position.epoch
                    entry.recent.removeAll()
                } else if position.seq <= entry.head.lastSeq {
                    return  // already relayed
                } else if position.seq != entry.head.lastSeq + 1 {
                    entry.recent.removeAll()  // keep the window contiguous
                }
                if entry.head.homeTeamId.isEmpty, let known = teams(event.gameId) {
                    entry.head.homeTeamId = known.home
                    entry.head.awayTeamId = known.away
                }
                let previousStatus = entry.head.lastSeq == 0 ? nil : Optional(entry.head.state.status)
                entry.head.lastSeq = position.seq
                entry.head.state = event.state ?? entry.head.state
                entry.head.updatedAtMs = event.recordedAtMs
                entry.recent.append(event)
                if entry.recent.count > recentCapacity { _ = entry.recent.popFirst() }
                state.entries[event.gameId] = entry
                Self.offer(relayed, head: entry.head, league: league, previousStatus: previousStatus, to: state.subscribers)
            }
        case .snapshot(let snapshot):
            guard let position = snapshot.position, !snapshot.gameId.isEmpty else { return }
            // The upstream restarted this game (a reset): so do we, and so do our subscribers.
            let resetItem = StreamItem(reason: .reset, item: .snapshot(snapshot))
            let relayed = RelayedItem(gameId: snapshot.gameId, item: resetItem, position: position, payload: makePayload(resetItem))
            let league = self.league(snapshot.gameId)
            state.withLock { state in
                let previous = state.entries[snapshot.gameId]?.head
                if let previous, previous.epoch == position.epoch, previous.lastSeq >= position.seq { return }
                let head = Head(
                    gameId: snapshot.gameId, epoch: position.epoch, lastSeq: position.seq, state: snapshot.state ?? GameState(),
                    homeTeamId: snapshot.homeTeamId.isEmpty ? (previous?.homeTeamId ?? "") : snapshot.homeTeamId,
                    awayTeamId: snapshot.awayTeamId.isEmpty ? (previous?.awayTeamId ?? "") : snapshot.awayTeamId,
                    updatedAtMs: snapshot.updatedAtMs
                )
                state.entries[snapshot.gameId] = Entry(head: head)
                Self.offer(relayed, head: head, league: league, previousStatus: previous?.state.status, to: state.subscribers)
            }
        case nil:
            return
        }
    }

    /// Applies one item of the upstream stream once `schedule` knows its game: the first item of
    /// a game the cache does not know waits for one GetGame (see ``ScheduleCache/learn(_:)``),
    /// so its league and teams are known to the filters. The caller applies items one at a time,
    /// so no item overtakes an earlier one of its game; other games wait only for that one call.
    @discardableResult
    public func apply(_ item: StreamItem, learningFrom schedule: ScheduleCache) async -> ScheduleCache.Lookup {
        let gameId = item.event?.gameId ?? item.snapshot?.gameId ?? ""
        let lookup = await schedule.learn(gameId)
        apply(item)
        return lookup
    }

    /// Fills in a game the upstream stream has not mentioned yet, from a snapshot fetched on the
    /// side (the upstream stream remains the authority: later items win).
    public func seed(_ snapshot: Snapshot) {
        guard let position = snapshot.position else { return }
        state.withLock { state in
            guard state.entries[snapshot.gameId] == nil else { return }
            state.entries[snapshot.gameId] = Entry(
                head: Head(
                    gameId: snapshot.gameId, epoch: position.epoch, lastSeq: position.seq, state: snapshot.state ?? GameState(),
                    homeTeamId: snapshot.homeTeamId, awayTeamId: snapshot.awayTeamId, updatedAtMs: snapshot.updatedAtMs
                )
            )
        }
    }

    private static func offer(
        _ item: RelayedItem<Payload>, head: Head, league: String?, previousStatus: GameStatus?,
        to subscribers: SubscriberRegistry<RelayedItem<Payload>>
    ) {
        subscribers.offer(item) { filter in
            filter.matches(
                gameId: head.gameId, homeTeamId: head.homeTeamId, awayTeamId: head.awayTeamId, leagueId: league,
                status: head.state.status, previousStatus: previousStatus
            )
        }
    }

    /// Where to resume the upstream stream: the position of every game relayed so far.
    public var cursors: [GameCursor] {
        state.withLock { state in
            state.entries.values.filter { $0.head.lastSeq > 0 }.map { GameCursor(gameId: $0.head.gameId, after: $0.head.position) }
        }
    }

    // MARK: Downstream

    public func head(_ gameId: String) -> Head? {
        state.withLock { $0.entries[gameId]?.head }
    }

    public var heads: [Head] {
        state.withLock { $0.entries.values.map(\.head) }
    }

    /// Recent events of a game after `afterSeq` up to `upTo`, or nil when the recent window does
    /// not reach back that far (or the epoch differs).
    public func recentEvents(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64) -> [Event]? {
        state.withLock { state in
            guard let entry = state.entries[gameId], entry.head.epoch == epoch else { return nil }
            if afterSeq >= upTo { return [] }
            guard let first = entry.recent.first?.position?.seq, first <= afterSeq + 1 else { return nil }
            return entry.recent.filter {
                let seq = $0.position?.seq ?? 0
                return seq > afterSeq && seq <= upTo
            }
        }
    }

    /// Registers a subscriber; returns, atomically with it, the heads of every game the relay
    /// knows (the subscriber then receives exactly the matching items after them).
    public func subscribe(_ filter: RelayFilter, capacity: Int? = nil) -> (RelaySubscription<Payload>, [String: Head]) {
        state.withLock { state in
            let subscription = state.subscribers.register(filter, capacity: capacity ?? subscriberCapacity)
            return (subscription, state.entries.mapValues(\.head))
        }
    }

    public func unsubscribe(_ subscription: RelaySubscription<Payload>) {
        state.withLock { $0.subscribers.remove(subscription) }
        subscription.finish()
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public var deepestQueue: Int { state.withLock { $0.subscribers.deepestQueue } }

    /// Ends every subscription (draining at shutdown); later ones end at once.
    public func stop() {
        let subscriptions = state.withLock { state in
            state.subscribers.stop()
            return state.subscribers.removeAll()
        }
        for subscription in subscriptions {
            subscription.finish()
        }
    }
}
