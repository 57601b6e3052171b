import CourtsideDomain
import CourtsideProto
import EventRelay
import NIOCore

/// Client messages, in order: validation and rate, `ping`, `unsubscribe`, and `subscribe`
/// (prepared off the loop, carried out on it: errors, reply, initial/reset snapshots and resumed
/// events up to the relay's head).
extension Session {
    /// Any frame arrived (for the idle timeout).
    func touch() {
        lastReceivedNanos = Clock.nanos()
    }

    /// A complete text message from the client.
    func receive(_ text: ByteBuffer) {
        guard !isClosed else { return }
        hub.counters.messagesIn += 1
        let decoded = ClientMessageDecoder.decode(Array(text.readableBytesView))
        let decision = rate.take(nowNanos: Clock.nanos(), policy: hub.ratePolicy)
        if decision == .exceeded {
            hub.counters.rejected[.rateLimited, default: 0] += 1
            close(code: WebSocketMessageAssembler.CloseCode.policyViolation, reason: "rate limit exceeded")
            return
        }
        switch decoded {
        case .failure(let error):
            enqueue(.error(error, retryAfterMs: nil))
        case .success(let message):
            if case .refused(let retryAfterMs) = decision {
                let error = ClientMessageError(
                    code: .rateLimited, message: "more than \(limits.maxMessagesPerSecond) messages per second", ref: message.id
                )
                enqueue(.error(error, retryAfterMs: retryAfterMs))
            } else {
                enqueue(.message(message))
            }
        }
    }

    /// The followed set of an SSE request, carried out like a WebSocket subscribe (errors carry
    /// no `ref`, the reply no `id`).
    func subscribeFromURL(_ message: ClientMessage.Subscribe) {
        enqueue(.message(.subscribe(message)))
    }

    private func enqueue(_ work: Work) {
        if busy {
            guard waiting.count < 4 * limits.messageBurst else {
                close(code: WebSocketMessageAssembler.CloseCode.policyViolation, reason: "rate limit exceeded")
                return
            }
            waiting.append(work)
            return
        }
        perform(work)
        flush()
    }

    private func perform(_ work: Work) {
        switch work {
        case .error(let error, let retryAfterMs):
            sendError(error.code, error.message, ref: error.ref, retryAfterMs: retryAfterMs)
        case .message(.ping(let id)):
            send(OutboundMessage(type: "pong", json: ServerMessages.pong(id: id, nowMs: Clock.wallMs())))
        case .message(.unsubscribe(let message)):
            let before = followed
            followed.unsubscribe(games: message.games, teams: message.teams, allLive: message.allLive, leagues: message.leagues)
            hub.followedChanged(self, from: before, to: followed)
            forgetUnfollowed()
            send(followedReply("unsubscribed", id: message.id))
        case .message(.token(let token, let id)):
            verifyToken(token, id: id)
        case .message(.subscribe(let message)):
            if let refused = hub.authority.refusedGames(message.games + message.resume.keys, grant: grant, transport: transportName) {
                sendError(.tokenRequired, refused.message, ref: message.id, games: refused.games)
                return
            }
            guard
                followed.allows(
                    adding: message.games, teams: message.teams, leagues: message.leagues, maxGames: limits.maxGames,
                    maxTeams: limits.maxTeams),
                message.resume.count <= limits.maxGames
            else {
                sendError(
                    .tooManySubscriptions,
                    "a connection follows at most \(limits.maxGames) games by id, \(limits.maxTeams) teams and "
                        + "\(ProtocolIds.maximumLeagues) leagues",
                    ref: message.id
                )
                return
            }
            busy = true
            let directory = hub.directory
            let bound = NIOLoopBound(self, eventLoop: hub.eventLoop)
            let eventLoop = hub.eventLoop
            let today = GameDate.today()
            Task {
                let prepared = await directory.prepare(message, today: today)
                eventLoop.execute {
                    bound.value.finishSubscribe(message, prepared: prepared, today: today)
                }
            }
        }
    }

    /// Carries out a prepared subscribe (§4.2, §5), then the messages that waited behind it.
    private func finishSubscribe(_ message: ClientMessage.Subscribe, prepared: SubscribePreparation, today: String) {
        busy = false
        guard !isClosed else { return }
        defer {
            flush()
            resumeWaiting()
        }
        if let requestId = prepared.unavailable {
            sendError(
                .unavailable, "a service the bridge needs is unreachable; try again", ref: message.id, retryAfterMs: 1000,
                requestId: requestId)
            return
        }
        let directory = hub.directory
        let before = followed
        let unknownGames = Set(prepared.unknownGames)
        let unknownTeams = Set(prepared.unknownTeams)
        let unknownLeagues = Set(prepared.unknownLeagues)
        if !unknownGames.isEmpty {
            sendError(
                .unknownGame, "no such game: \(prepared.unknownGames.joined(separator: ", "))", ref: message.id,
                games: prepared.unknownGames)
        }
        if !unknownTeams.isEmpty {
            sendError(
                .unknownTeam, "no such team: \(prepared.unknownTeams.joined(separator: ", "))", ref: message.id,
                teams: prepared.unknownTeams)
        }
        if !unknownLeagues.isEmpty {
            sendError(
                .unknownLeague, "no such league: \(prepared.unknownLeagues.joined(separator: ", "))", ref: message.id,
                leagues: prepared.unknownLeagues)
        }
        let added = followed.subscribe(
            games: message.games.filter { !unknownGames.contains($0) },
            teams: message.teams.filter { !unknownTeams.contains($0) },
            allLive: message.allLive,
            leagues: message.leagues.filter { !unknownLeagues.contains($0) }
        )
        hub.followedChanged(self, from: before, to: followed)
        send(followedReply("subscribed", id: message.id))

        // Games that become followed now get an initial snapshot; resumed games catch up.
        func wasFollowed(_ gameId: String) -> Bool {
            let teams = directory.teams(of: gameId)
            let status = directory.relay.head(gameId)?.state.status ?? directory.schedule.game(gameId)?.status ?? .scheduled
            return before.follows(
                gameId: gameId, home: teams?.home ?? "", away: teams?.away ?? "", status: status, previousStatus: nil,
                league: directory.league(of: gameId))
        }
        var initial = Set<String>()
        for gameId in added.games where !wasFollowed(gameId) { initial.insert(gameId) }
        for team in added.teams {
            for gameId in prepared.teamGames[team] ?? [] where !wasFollowed(gameId) { initial.insert(gameId) }
        }
        if added.allLive {
            for gameId in prepared.liveGames where !wasFollowed(gameId) { initial.insert(gameId) }
        }
        for league in added.leagues {
            for gameId in prepared.leagueGames[league] ?? [] where !wasFollowed(gameId) { initial.insert(gameId) }
        }
        let catchingUp = initial.union(message.resume.keys).sorted()
        // Room for every game at once: the table then holds exactly what it needs instead of
        // the spare half of a doubled array, for as long as the connection lives.
        positions.reserveCapacity(positions.count + catchingUp.count)
        for gameId in catchingUp {
            catchUp(gameId, from: message.resume[gameId], history: prepared.history[gameId])
        }
    }

    /// Brings one game up to the relay's head: a snapshot (initial or reset) or the events after
    /// the client's position. Later items of the game continue from that head.
    private func catchUp(_ gameId: String, from cursor: GamePosition?, history: (after: GamePosition, events: [Event]?)?) {
        let relay = hub.directory.relay
        guard mayFollow(gameId), let head = relay.head(gameId) else { return }
        let headPosition = GamePosition(epoch: head.epoch, seq: head.lastSeq)
        let league = hub.directory.league(of: gameId)
        collapse.remove(gameId: gameId)
        switch CatchUpPlan.plan(cursor: cursor.map { Position(epoch: $0.epoch, seq: $0.seq) }, head: head.position) {
        case .nothing:
            break
        case .snapshot(let reason):
            sendSnapshot(head, reason: reason == .initial ? .initial : .reset, league: league)
        case .events(let afterSeq):
            var events: [Event] = []
            var next = afterSeq
            if let history, history.after.epoch == head.epoch, history.after.seq == afterSeq, let fetched = history.events {
                events = fetched.filter { ($0.position?.seq ?? 0) <= head.lastSeq }
                next = events.last?.position?.seq ?? afterSeq
            }
            if next < head.lastSeq {
                guard let recent = relay.recentEvents(gameId: gameId, epoch: head.epoch, afterSeq: next, upTo: head.lastSeq) else {
                    sendSnapshot(head, reason: .reset, league: league)
                    return
                }
                events += recent
            }
            guard Self.isContiguous(events, after: afterSeq, upTo: head.lastSeq) else {
                sendSnapshot(head, reason: .reset, league: league)
                break
            }
            for event in events {
                send(
                    OutboundMessage(type: "event", json: ServerMessages.event(event, league: league), carriesCursor: true), game: gameId,
                    position: GamePosition(epoch: head.epoch, seq: event.position?.seq ?? 0))
            }
        }
        positions[gameId] = headPosition
    }

    static func isContiguous(_ events: [Event], after: UInt64, upTo: UInt64) -> Bool {
        var last = after
        for event in events {
            guard let seq = event.position?.seq, GamePosition.isSuccessor(seq, of: last) else { return false }
            last = seq
        }
        return last == upTo
    }

    private func sendSnapshot(_ head: GameRelay<BridgeItem>.Head, reason: ServerMessages.SnapshotReason, league: String) {
        let position = GamePosition(epoch: head.epoch, seq: head.lastSeq)
        let json = ServerMessages.snapshot(
            game: head.gameId, position: position, reason: reason, home: head.homeTeamId, away: head.awayTeamId, state: head.state,
            updatedAtMs: head.updatedAtMs, league: league
        )
        send(OutboundMessage(type: "snapshot", json: json, carriesCursor: true), game: head.gameId, position: position)
    }

    func resumeWaiting() {
        while !busy, !isClosed, !waiting.isEmpty {
            perform(waiting.removeFirst())
        }
        flush()
    }

    private func followedReply(_ type: StaticString, id: String?) -> OutboundMessage {
        let json = ServerMessages.followed(
            type, games: followed.games, teams: followed.teams, allLive: followed.allLive, leagues: followed.leagues,
            id: isSSE ? nil : id)
        return OutboundMessage(type: type, json: json)
    }

    /// Drops positions of games that are no longer followed (a later subscribe starts them over
    /// with a snapshot). SSE keeps them: they are the stream's cursor.
    private func forgetUnfollowed() {
        guard !isSSE else { return }
        let directory = hub.directory
        for gameId in positions.gameIds {
            let teams = directory.teams(of: gameId)
            let live = directory.isLive(gameId)
            if !followed.follows(
                gameId: gameId, home: teams?.home ?? "", away: teams?.away ?? "", status: live ? .live : .final, previousStatus: nil,
                league: directory.league(of: gameId))
            {
                positions[gameId] = nil
                collapse.remove(gameId: gameId)
            }
        }
    }

    func sendError(
        _ code: ErrorCode, _ message: String, ref: String?, games: [String]? = nil, teams: [String]? = nil, leagues: [String]? = nil,
        retryAfterMs: Int? = nil, requestId: String? = nil
    ) {
        hub.counters.rejected[code, default: 0] += 1
        let json = ServerMessages.error(
            code, message: message, ref: isSSE ? nil : ref, games: games, teams: teams, leagues: leagues, retryAfterMs: retryAfterMs,
            requestId: requestId
        )
        send(OutboundMessage(type: "error", json: json))
    }
}
