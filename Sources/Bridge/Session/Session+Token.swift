import NIOCore

/// The connection token (docs/protocol.md §3.4, §4.9–4.11): verified off the loop like a
/// subscribe (later messages wait behind it), then its grant decides which private games the
/// connection may follow; at `exp` the page is asked for a new one, and without one the
/// connection is closed with 4002 (SSE: `expired`, then the stream ends).
extension Session {
    /// `websocket` or `sse`, for logs and metrics.
    var transportName: String { isSSE ? "sse" : "websocket" }

    /// Whether this connection may follow `gameId` (public, or named by its token).
    func mayFollow(_ gameId: String) -> Bool {
        let access = hub.authority.access
        return access.isOpen || access.allows(gameId, league: hub.directory.league(of: gameId), grant: grant)
    }

    /// SSE: the grant of the token the request carried, before the stream starts.
    func adopt(_ grant: ConnectionGrant) {
        self.grant = grant
        tokenLifetime = TokenLifetime(expiresAtMs: grant.expiresAtMs, graceMs: hub.authority.graceMs)
    }

    /// A `token` message: verified off the loop; replied with `authorized` or `invalid_token`.
    func verifyToken(_ token: String, id: String?) {
        busy = true
        let authority = hub.authority
        let transport = transportName
        let bound = NIOLoopBound(self, eventLoop: hub.eventLoop)
        let eventLoop = hub.eventLoop
        Task {
            let result = await authority.grant(for: token, transport: transport)
            eventLoop.execute { bound.value.finishToken(result, id: id) }
        }
    }

    private func finishToken(_ result: Result<ConnectionGrant, ConnectionTokenRefusal>, id: String?) {
        busy = false
        guard !isClosed else { return }
        defer { resumeWaiting() }
        switch result {
        case .failure(let refusal):
            // The token in force, if any, stays in force until its own expiry.
            sendError(.invalidToken, refusal.message, ref: id)
        case .success(let newGrant):
            adopt(newGrant)
            send(
                OutboundMessage(
                    type: "authorized", json: ServerMessages.authorized(expiresAtMs: newGrant.expiresAtMs, id: isSSE ? nil : id)))
        }
    }

    /// The token's timers, from the hub's tick: `refresh` at `exp`, the close after the grace.
    /// Returns whether the connection was closed.
    func checkTokenLifetime() -> Bool {
        guard var lifetime = tokenLifetime else { return false }
        let now = Clock.wallMs()
        let action = lifetime.check(nowMs: now)
        tokenLifetime = lifetime
        switch action {
        case .none:
            return false
        case .refresh:
            hub.authority.refreshSent()
            let json = ServerMessages.refresh(expiresAtMs: lifetime.expiresAtMs, closeInMs: lifetime.msUntilClose(nowMs: now))
            send(OutboundMessage(type: "refresh", json: json))
            flush()
            return false
        case .expire:
            hub.authority.expired(subject: grant?.subject ?? "", transport: transportName)
            send(OutboundMessage(type: "expired", json: ServerMessages.expired()))
            flush()
            close(code: WebSocketMessageAssembler.CloseCode.tokenExpired, reason: "token expired")
            return true
        }
    }
}
