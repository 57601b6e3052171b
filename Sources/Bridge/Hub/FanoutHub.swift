import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import Logging
import NIOCore
import Prometheus

/// The fan-out of one event loop: one relay subscription per loop, received on the loop
/// itself, and written synchronously to every connection of the loop that follows the game:
/// the same prebuilt frame for all of them, one flush per connection per batch. No task or
/// thread hop per connection or per delivery.
final class FanoutHub {
    /// Counters accumulated on the loop and published to Prometheus once per tick.
    struct Counters {
        var messagesIn = 0
        var messagesOut = 0
        var deliveries = 0
        var bytesOut = 0
        var collapsed = 0
        var slowCloses = 0
        var rejected: [ErrorCode: Int] = [:]
    }

    let eventLoop: any EventLoop
    let directory: SubscriptionDirectory
    let configuration: BridgeConfiguration
    /// Every connection's limits (one copy per loop, not per connection).
    let sessionLimits: SessionLimits
    let ratePolicy: RateLimiter.Policy
    let metrics: BridgeMetrics
    /// Connection tokens and private games.
    let authority: ConnectionAuthority
    let logger: Logger
    /// The shared `hello` (one frame for every connection).
    let hello: OutboundMessage
    var counters = Counters()
    /// The loop's clock, read once per batch or tick.
    private(set) var now: UInt64 = Clock.nanos()

    private var sessions: [ObjectIdentifier: Session] = [:]
    private var byGame: [String: [ObjectIdentifier: Session]] = [:]
    private var byTeam: [String: [ObjectIdentifier: Session]] = [:]
    private var allLive: [ObjectIdentifier: Session] = [:]
    private var byLeague: [String: [ObjectIdentifier: Session]] = [:]
    private var stamp: UInt64 = 0
    private var nextSessionID: UInt64 = 1
    private var subscription: RelaySubscription<BridgeItem>?
    private var task: Task<Void, Never>?
    private var timer: RepeatedTask?
    private var flushList: [Session] = []
    private var flushAtOnce = false

    init(
        eventLoop: any EventLoop, directory: SubscriptionDirectory, configuration: BridgeConfiguration, metrics: BridgeMetrics,
        authority: ConnectionAuthority, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.directory = directory
        self.configuration = configuration
        self.sessionLimits = configuration.sessionLimits
        self.ratePolicy = RateLimiter.Policy(perSecond: sessionLimits.maxMessagesPerSecond, burst: sessionLimits.messageBurst)
        self.metrics = metrics
        self.authority = authority
        self.logger = logger
        let json = ServerMessages.hello(
            server: "courtside-bridge/\(BridgeVersion.current)", heartbeatMs: Int(configuration.heartbeat.milliseconds),
            idleTimeoutMs: Int(configuration.idleTimeout.milliseconds), limits: configuration.limits
        )
        hello = OutboundMessage(type: "hello", json: json, frame: WebSocketFrames.text(json))
    }

    var connectionCount: Int { sessions.count }

    func makeSessionID() -> UInt64 {
        defer { nextSessionID += 1 }
        return nextSessionID
    }

    // MARK: Running

    /// Subscribes to the relay (receiving on this loop) and starts the timers.
    func start() {
        eventLoop.preconditionInEventLoop()
        subscribeToRelay()
        let tickEvery = Self.tickInterval(configuration)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleRepeatedTask(initialDelay: tickEvery, delay: tickEvery) { _ in
            bound.value.tick()
        }
    }

    static func tickInterval(_ configuration: BridgeConfiguration) -> TimeAmount {
        let shortest = min(configuration.heartbeat, configuration.idleTimeout, configuration.slowConsumerTimeout) / 4
        return .milliseconds(max(50, min(1000, Int64(shortest.milliseconds))))
    }

    private func subscribeToRelay() {
        let (subscription, _) = directory.relay.subscribe(RelayFilter(allGames: true), capacity: configuration.hubQueueCapacity)
        self.subscription = subscription
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        task = Task(executorPreference: EventLoopTaskExecutor(eventLoop)) {
            while true {
                let next = await subscription.next()
                switch next {
                case .item(let first):
                    let batch = [first] + subscription.drain()
                    if eventLoop.inEventLoop {
                        bound.value.process(batch)
                    } else {
                        eventLoop.execute { bound.value.process(batch) }
                    }
                case .overflowed:
                    eventLoop.execute { bound.value.resynchronise() }
                    return
                case .finished:
                    return
                }
            }
        }
    }

    /// The hub fell further behind the relay than its queue holds: subscribe again and give
    /// every connection a `collapsed` snapshot of each game it has that moved meanwhile.
    private func resynchronise() {
        logger.warning("event loop fell behind the relay; resynchronising its connections", metadata: ["connections": "\(sessions.count)"])
        if let subscription { directory.relay.unsubscribe(subscription) }
        subscribeToRelay()
        let access = authority.access
        for session in sessions.values {
            session.resynchronise(relay: directory.relay, access: access)
        }
    }

    /// Stops receiving (shutdown).
    func stop() {
        timer?.cancel()
        timer = nil
        if let subscription { directory.relay.unsubscribe(subscription) }
        subscription = nil
        task?.cancel()
    }

    // MARK: Connections

    func register(_ session: Session) {
        sessions[ObjectIdentifier(session)] = session
    }

    func unregister(_ session: Session) {
        let key = ObjectIdentifier(session)
        guard sessions.removeValue(forKey: key) != nil else { return }
        followedChanged(session, from: session.followed, to: FollowedSet())
    }

    /// Keeps the indexes (game → sessions, team → sessions, all live, league → sessions) in step
    /// with a session's followed set.
    func followedChanged(_ session: Session, from old: FollowedSet, to new: FollowedSet) {
        let key = ObjectIdentifier(session)
        for game in old.games.subtracting(new.games) { Self.remove(key, game, from: &byGame) }
        for game in new.games.subtracting(old.games) { byGame[game, default: [:]][key] = session }
        for team in old.teams.subtracting(new.teams) { Self.remove(key, team, from: &byTeam) }
        for team in new.teams.subtracting(old.teams) { byTeam[team, default: [:]][key] = session }
        if old.allLive && !new.allLive { allLive.removeValue(forKey: key) }
        if new.allLive && !old.allLive { allLive[key] = session }
        for league in old.leagues.subtracting(new.leagues) { Self.remove(key, league, from: &byLeague) }
        for league in new.leagues.subtracting(old.leagues) { byLeague[league, default: [:]][key] = session }
    }

    private static func remove(_ key: ObjectIdentifier, _ name: String, from index: inout [String: [ObjectIdentifier: Session]]) {
        index[name]?.removeValue(forKey: key)
        if index[name]?.isEmpty == true { index.removeValue(forKey: name) }
    }

    // MARK: Fan-out

    /// Writes a batch of relayed items to the loop's connections that follow each game.
    func process(_ batch: [RelayedItem<BridgeItem>]) {
        now = Clock.nanos()
        let wallMs = Clock.wallMs()
        // One item: each connection is flushed as soon as it has it (the first sockets get
        // their bytes before the last are written, and each is touched once). Several: every
        // connection gets all of its items in one write.
        flushAtOnce = batch.count == 1
        let access = authority.access
        for relayed in batch {
            let item = relayed.payload
            stamp &+= 1
            // Once per item: sessions check their grant only for a private game.
            let isPrivate = !access.isOpen && access.isPrivate(item.gameId, league: item.league)
            var delivered = false
            if let followers = byGame[item.gameId] { delivered = offer(item, isPrivate: isPrivate, to: followers) || delivered }
            if !item.home.isEmpty, let followers = byTeam[item.home] {
                delivered = offer(item, isPrivate: isPrivate, to: followers) || delivered
            }
            if !item.away.isEmpty, let followers = byTeam[item.away] {
                delivered = offer(item, isPrivate: isPrivate, to: followers) || delivered
            }
            if !allLive.isEmpty || !byLeague.isEmpty, item.status.isLive || (item.previousStatus?.isLive ?? false) {
                if !allLive.isEmpty { delivered = offer(item, isPrivate: isPrivate, to: allLive) || delivered }
                // Once per item: the followers of its league (one lookup; none for a game whose
                // league is not known yet).
                if !item.league.isEmpty, let followers = byLeague[item.league] {
                    delivered = offer(item, isPrivate: isPrivate, to: followers) || delivered
                }
            }
            if delivered, !item.isSnapshot, item.recordedAtMs > 0 {
                metrics.publishToDelivery.record(.milliseconds(max(0, wallMs - item.recordedAtMs)))
            }
        }
        for session in flushList { session.flush() }
        flushList.removeAll(keepingCapacity: true)
    }

    private func offer(_ item: BridgeItem, isPrivate: Bool, to followers: [ObjectIdentifier: Session]) -> Bool {
        var delivered = false
        for session in followers.values where session.stamp != stamp {
            session.stamp = stamp
            let wasPending = session.needsFlush
            if session.deliver(item, isPrivate: isPrivate) {
                delivered = true
                if flushAtOnce {
                    session.flush()
                } else if !wasPending {
                    flushList.append(session)
                }
            }
        }
        return delivered
    }

    // MARK: Timers

    private func tick() {
        now = Clock.nanos()
        let heartbeatJSON = ServerMessages.heartbeat(nowMs: Clock.wallMs())
        let heartbeat = OutboundMessage(type: "heartbeat", json: heartbeatJSON, frame: WebSocketFrames.text(heartbeatJSON))
        let heartbeatNanos = UInt64(configuration.heartbeat.nanoseconds)
        let idleNanos = UInt64(configuration.idleTimeout.nanoseconds)
        let slowNanos = UInt64(configuration.slowConsumerTimeout.nanoseconds)
        let slack = UInt64(Self.tickInterval(configuration).nanoseconds)
        for session in Array(sessions.values) {
            session.tick(
                now: now, heartbeat: heartbeat, heartbeatNanos: heartbeatNanos, idleNanos: idleNanos, slowNanos: slowNanos, slack: slack)
        }
        publishCounters()
    }

    func publishCounters() {
        let counters = self.counters
        self.counters = Counters()
        metrics.publish(counters)
        if let subscription { metrics.relayQueueDepth(loop: ObjectIdentifier(eventLoop), depth: subscription.depth) }
    }

    // MARK: Shutdown

    /// Sends every connection `goaway` with a delay spread over `spreadMs`, then closes it.
    func goAway(spreadMs: Int) {
        for session in Array(sessions.values) {
            session.goAway(retryAfterMs: spreadMs > 0 ? Int.random(in: 0..<spreadMs) : 0)
        }
        publishCounters()
    }
}

@available(*, unavailable)
extension FanoutHub: Sendable {}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
