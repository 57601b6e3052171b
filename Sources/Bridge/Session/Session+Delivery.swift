import EventRelay
import NIOCore

/// Live delivery, called by the loop's hub: events continue a connection's position (the shared
/// frame as it is), a jump becomes a snapshot, and a slow socket collapses each game to its
/// newest state.
extension Session {
    /// Offers a relayed item of a followed game; `isPrivate` (decided once per item by the hub):
    /// whether the game needs this connection's token to name it. Returns whether something was
    /// written.
    @discardableResult
    func deliver(_ item: BridgeItem, isPrivate: Bool) -> Bool {
        guard !isClosed else { return false }
        let gameId = item.gameId
        if isPrivate, grant?.allows(gameId, league: item.league) != true { return false }
        if !collapse.isEmpty, transport.isWritable { drainCollapsed() }
        let known = positions[gameId]
        if let known, known.epoch == item.position.epoch, item.position.seq <= known.seq { return false }
        if !transport.isWritable {
            if collapse.record(gameId: gameId, item: item) { return false }
            close(code: WebSocketMessageAssembler.CloseCode.tooSlow, reason: "too slow")
            return false
        }
        if let known, !item.isSnapshot, known.isFollowed(by: item.position), !isSSE {
            // The hot path: the shared frame as it is.
            positions[gameId] = item.position
            hub.counters.bytesOut &+= transport.writeFrame(item.frame)
            hub.counters.messagesOut &+= 1
            hub.counters.deliveries &+= 1
            needsFlush = true
            return true
        }
        let message: OutboundMessage
        if let known, !item.isSnapshot, known.isFollowed(by: item.position) {
            message = OutboundMessage(type: "event", json: item.json, frame: item.frame, sseData: item.sseData, carriesCursor: true)
            hub.counters.deliveries += 1
        } else if item.isSnapshot, known != nil {
            message = OutboundMessage(type: "snapshot", json: item.json, frame: item.frame, sseData: item.sseData, carriesCursor: true)
        } else {
            // A game that becomes followed through this item, or a jump in its log: a snapshot at it.
            message = OutboundMessage(
                type: "snapshot", json: item.snapshotJSON(reason: known == nil ? .initial : .reset), carriesCursor: true)
        }
        send(message, game: gameId, position: item.position)
        return true
    }

    /// The socket's writability changed: when writable again, each game it fell behind on gets
    /// one `collapsed` snapshot of the newest state.
    func writabilityChanged(isWritable: Bool) {
        guard !isClosed else { return }
        if !isWritable {
            if unwritableSinceNanos == nil { unwritableSinceNanos = hub.now }
            return
        }
        unwritableSinceNanos = nil
        guard !collapse.isEmpty else { return }
        drainCollapsed()
        flush()
    }

    /// One `collapsed` snapshot of a game (its pending items, if any, are dropped).
    func sendCollapsed(_ json: ByteBuffer, game: String, position: GamePosition) {
        collapse.remove(gameId: game)
        send(OutboundMessage(type: "snapshot", json: json, carriesCursor: true), game: game, position: position)
        hub.counters.collapsed += 1
    }

    private func drainCollapsed() {
        for (gameId, item) in collapse.drain() {
            if let known = positions[gameId], known == item.position { continue }
            send(
                OutboundMessage(type: "snapshot", json: item.snapshotJSON(reason: .collapsed), carriesCursor: true), game: gameId,
                position: item.position)
            hub.counters.collapsed += 1
        }
    }
}

extension Session {
    /// After the hub lost items (it fell behind the relay): every game this connection has a
    /// position for, and may follow under `access` (read once by the hub), jumps to the relay's
    /// head with a `collapsed` snapshot.
    func resynchronise(relay: GameRelay<BridgeItem>, access: GameAccess) {
        guard !isClosed else { return }
        for (gameId, known) in positions.dictionary.sorted(by: { $0.key < $1.key }) {
            guard access.isOpen || access.allows(gameId, league: hub.directory.league(of: gameId), grant: grant),
                let head = relay.head(gameId),
                GamePosition(epoch: head.epoch, seq: head.lastSeq) != known
            else {
                continue
            }
            let position = GamePosition(epoch: head.epoch, seq: head.lastSeq)
            let json = ServerMessages.snapshot(
                game: gameId, position: position, reason: .collapsed, home: head.homeTeamId, away: head.awayTeamId, state: head.state,
                updatedAtMs: head.updatedAtMs, league: hub.directory.league(of: gameId)
            )
            sendCollapsed(json, game: gameId, position: position)
        }
        flush()
    }
}
