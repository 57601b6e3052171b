import Auth
import Foundation
import NIOCore
import NIOHTTP1
import Prometheus

/// Routes HTTP requests (§1): the page and its files, the JSON API, the SSE stream. WebSocket
/// upgrades of `/ws` are taken by the upgrader before they reach this handler; a `/ws` request
/// that is not a valid upgrade gets 400.
///
/// Only bodiless GET and HEAD requests are served: anything else is refused as soon as its head
/// arrives, and the connection closes without reading the rest. A client that does not read its
/// answers gets no further answer until its socket drains, and is closed after
/// `slowConsumerTimeout`, so unread answers never pile up.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "courtside-http"
    /// Header fields a request may have (more → 431): with the head's byte limit alone, a head
    /// of tiny fields would cost far more memory decoded than its bytes.
    static let maximumHeaderFields = 256

    private let app: BridgeApp
    private let deadline: RequestDeadlineHandler?
    private var request: HTTPRequestHead?
    private var context: ChannelHandlerContext?
    /// Set once the connection became an SSE stream.
    private var stream: (transport: SSEStream, session: Session, client: String)?
    /// A complete request waiting for the socket to drain before it is answered.
    private var parked: HTTPRequestHead?
    private var parkedTimer: Scheduled<Void>?
    /// A refusal was sent: the connection is closing, the rest of what it sends is ignored.
    private var closing = false

    init(app: BridgeApp, deadline: RequestDeadlineHandler?) {
        self.app = app
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endStream()
        parkedTimer?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        endStream()
        parkedTimer?.cancel()
        context.fireChannelInactive()
    }

    private func endStream() {
        guard let stream else { return }
        self.stream = nil
        stream.session.closed()
        app.policy.release(stream.client)
        app.metrics.sseConnections.decrement()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let stream {
            stream.transport.writabilityChanged(context.channel.isWritable)
            stream.session.writabilityChanged(isWritable: context.channel.isWritable)
        }
        if context.channel.isWritable, let head = parked {
            parked = nil
            parkedTimer?.cancel()
            parkedTimer = nil
            route(head, context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard stream == nil, !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            deadline?.headReceived()
            if let refusal = Self.refusal(of: head) {
                app.metrics.refused(.unexpectedRequest)
                closing = true
                respond(refusal, to: head, context: context)
                return
            }
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            if context.channel.isWritable {
                route(head, context: context)
            } else {
                park(head, context: context)
            }
        }
    }

    /// What the parser could not read: 431 for a head over the limit, else 400; then closed.
    /// (NIO's pipeline handler delivers parser errors when an answer may be written.)
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard stream == nil, !closing, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        closing = true
        let answer: HTTPAnswer
        if parserError == .headerOverflow {
            app.metrics.refused(.headTooLarge)
            answer = .error(
                .requestHeaderFieldsTooLarge, code: "bad_request",
                message: "the request head is larger than \(app.configuration.maxRequestHeadBytes) bytes"
            )
        } else {
            app.metrics.refused(.malformed)
            answer = .error(.badRequest, code: "bad_request", message: "malformed HTTP request")
        }
        respond(answer, to: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"), context: context)
    }

    /// The refusal of a request the bridge never serves, decided from its head: a method other
    /// than GET and HEAD (405), or a body (400).
    static func refusal(of head: HTTPRequestHead) -> HTTPAnswer? {
        guard head.method == .GET || head.method == .HEAD else { return .methodNotAllowed() }
        let length = head.headers["content-length"]
        if !head.headers["transfer-encoding"].isEmpty || length.contains(where: { $0.trimmingSpaces() != "0" }) {
            return .error(.badRequest, code: "bad_request", message: "GET and HEAD requests carry no body")
        }
        return nil
    }

    /// RFC 6455 §4.2.1: one `Sec-WebSocket-Key`, the base64 of 16 bytes (else the request is
    /// no upgrade, and `/ws` answers 400).
    static func hasValidWebSocketKey(_ head: HTTPRequestHead) -> Bool {
        let keys = head.headers["sec-websocket-key"]
        guard keys.count == 1, let key = keys.first?.trimmingSpaces(), key.utf8.count == 24 else { return false }
        return Data(base64Encoded: key)?.count == 16
    }

    /// Holds a request until the socket drains; a client that reads nothing for the slow-consumer
    /// timeout is closed.
    private func park(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        parked = head
        let metrics = app.metrics
        let channel = context.channel
        parkedTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(app.configuration.slowConsumerTimeout)) {
            metrics.refused(.slowReader)
            channel.close(promise: nil)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.nanoseconds)
    }

    // MARK: Routing

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        app.metrics.httpRequests.increment()
        guard head.uri.utf8.count <= app.configuration.maxCursorBytes else {
            respond(
                .error(
                    .requestHeaderFieldsTooLarge, code: "bad_request",
                    message: "the request target is longer than \(app.configuration.maxCursorBytes) bytes"), to: head, context: context)
            return
        }
        let target = Self.split(head.uri)
        let path = target.path
        let query = target.query
        switch path {
        case "/ws":
            respond(
                .error(.badRequest, code: "bad_request", message: "expected a WebSocket upgrade (RFC 6455)"), to: head, context: context)
        case "/events":
            startStream(head, query: query, context: context)
        default:
            if path.hasPrefix("/api/"), let refusal = apiRateRefusal(head, context: context) {
                respond(refusal, to: head, context: context)
                return
            }
            let app = self.app
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            let ifNoneMatch = head.headers["if-none-match"].first
            let authorization = head.headers["authorization"].first
            Task {
                let answer = await HTTPHandler.answer(
                    app: app, path: path, query: query, ifNoneMatch: ifNoneMatch, authorization: authorization)
                eventLoop.execute { bound.value.respondLater(answer, to: head) }
            }
        }
    }

    /// The 429 for a client past the JSON API's request rate, or nil to go on.
    private func apiRateRefusal(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> HTTPAnswer? {
        guard let limit = app.apiRateLimit else { return nil }
        let client = app.policy.clientAddress(peer: context.channel.remoteAddress, forwardedFor: head.headers["x-forwarded-for"])
        guard case .refused(let retryAfterSeconds) = limit.take(client, nowNanos: Clock.nanos()) else { return nil }
        app.metrics.apiRateLimited.increment()
        return .error(
            .tooManyRequests, code: "rate_limited",
            message: "more than \(limit.perSecond) API requests per second from this address", retryAfterSeconds: retryAfterSeconds
        )
    }

    private static func answer(app: BridgeApp, path: String, query: String, ifNoneMatch: String?, authorization: String?) async
        -> HTTPAnswer
    {
        if path.hasPrefix("/api/") {
            let parameters = parameters(query)
            var grant: ConnectionGrant?
            if !app.authority.access.isOpen, let token = connectionToken(parameters: parameters, authorization: authorization) {
                switch await app.authority.grant(for: token, transport: "api") {
                case .success(let granted): grant = granted
                case .failure(let refusal): return .error(.unauthorized, code: ErrorCode.invalidToken.rawValue, message: refusal.message)
                }
            }
            return await app.api.answer(path: path, query: parameters, authority: app.authority, grant: grant) ?? .notFound(path)
        }
        return app.statics.answer(path: path, ifNoneMatch: ifNoneMatch) ?? .notFound(path)
    }

    private func respondLater(_ answer: HTTPAnswer, to head: HTTPRequestHead) {
        if let context { respond(answer, to: head, context: context) }
    }

    private func respond(_ answer: HTTPAnswer, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = answer.headers
        SecurityHeaders.apply(to: &headers)
        headers.replaceOrAdd(name: "content-length", value: String(answer.body.readableBytes))
        let keepAlive = head.isKeepAlive && !app.isDraining && !closing
        headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))), promise: nil)
        if head.method != .HEAD, answer.status != .notModified, answer.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
        deadline?.answerCompleted()
    }

    // MARK: SSE (§10)

    private func startStream(_ head: HTTPRequestHead, query: String, context: ChannelHandlerContext) {
        let configuration = app.configuration
        if app.isDraining {
            respond(
                .error(.serviceUnavailable, code: "unavailable", message: "the bridge is shutting down", retryAfterSeconds: 1), to: head,
                context: context)
            return
        }
        guard app.policy.isOriginAllowed(origin: head.headers["origin"].first, host: head.headers["host"].first) else {
            respond(.error(.forbidden, code: "origin_not_allowed", message: "origin not allowed"), to: head, context: context)
            return
        }
        let subscribe: ClientMessage.Subscribe
        let parameters = Self.parameters(query)
        switch Self.streamRequest(parameters: parameters, lastEventID: head.headers["last-event-id"].first, configuration: configuration) {
        case .success(let request): subscribe = request
        case .failure(let answer):
            respond(answer, to: head, context: context)
            return
        }
        if let token = Self.connectionToken(parameters: parameters, authorization: head.headers["authorization"].first) {
            let authority = app.authority
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            Task {
                let result = await authority.grant(for: token, transport: "sse")
                eventLoop.execute { bound.value.continueStream(head, subscribe: subscribe, token: result) }
            }
            return
        }
        openStream(head, subscribe: subscribe, grant: nil, context: context)
    }

    /// The stream's token was verified (or refused).
    private func continueStream(
        _ head: HTTPRequestHead, subscribe: ClientMessage.Subscribe, token: Result<ConnectionGrant, ConnectionTokenRefusal>
    ) {
        guard let context, context.channel.isActive else { return }
        switch token {
        case .failure(let refusal):
            respond(.error(.unauthorized, code: ErrorCode.invalidToken.rawValue, message: refusal.message), to: head, context: context)
        case .success(let grant):
            openStream(head, subscribe: subscribe, grant: grant, context: context)
        }
    }

    /// Starts the stream, unless it asks for private games its token does not name (401).
    private func openStream(
        _ head: HTTPRequestHead, subscribe: ClientMessage.Subscribe, grant: ConnectionGrant?, context: ChannelHandlerContext
    ) {
        if let refused = app.authority.refusedGames(subscribe.games + subscribe.resume.keys, grant: grant, transport: "sse") {
            respond(.error(.unauthorized, code: ErrorCode.tokenRequired.rawValue, message: refused.message), to: head, context: context)
            return
        }
        let client = app.policy.clientAddress(peer: context.channel.remoteAddress, forwardedFor: head.headers["x-forwarded-for"])
        guard app.policy.acquire(client) else {
            respond(
                .error(.tooManyRequests, code: "too_many_connections", message: "too many connections", retryAfterSeconds: 15), to: head,
                context: context)
            return
        }
        guard let hub = app.hubs.hub(for: context.eventLoop) else {
            app.policy.release(client)
            respond(.error(.serviceUnavailable, code: "unavailable", message: "not ready"), to: head, context: context)
            return
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "x-accel-buffering", value: "no")
        headers.add(name: "connection", value: head.version.major == 1 && head.version.minor == 0 ? "close" : "keep-alive")
        SecurityHeaders.apply(to: &headers)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        let transport = SSEStream(context: context)
        transport.writeRetry(milliseconds: Int.random(in: 1000...5000))
        let session = Session(id: hub.makeSessionID(), hub: hub, transport: transport, isSSE: true)
        stream = (transport, session, client)
        app.metrics.sseConnections.increment()
        if let grant { session.adopt(grant) }
        session.seedPositions(subscribe.resume)
        session.start()
        session.subscribeFromURL(subscribe)
    }

    /// The connection token of a request: the `token` parameter, else `Authorization: Bearer`
    /// (EventSource cannot set headers; other clients may).
    static func connectionToken(parameters: [String: String], authorization: String?) -> String? {
        if let token = parameters["token"], !token.isEmpty { return token }
        return authorization.flatMap(BearerToken.parse(authorization:))
    }

    /// The followed set and positions of an SSE request, or the error answer (400).
    static func streamRequest(parameters: [String: String], lastEventID: String?, configuration: BridgeConfiguration) -> Result<
        ClientMessage.Subscribe, HTTPAnswer
    > {
        var message = ClientMessage.Subscribe()
        func list(_ name: String) -> [String] {
            (parameters[name] ?? "").split(separator: ",").map(String.init)
        }
        message.games = list("games")
        message.teams = list("teams")
        message.allLive = parameters["allLive"] == "1" || parameters["allLive"] == "true"
        if let bad = message.games.first(where: { !ProtocolIds.isGameId($0) }) {
            return .failure(.error(.badRequest, code: "bad_request", message: "invalid game id \"\(bad.prefix(64))\""))
        }
        if let bad = message.teams.first(where: { !ProtocolIds.isTeamId($0) }) {
            return .failure(
                .error(.badRequest, code: "bad_request", message: "invalid team id \"\(bad.prefix(ProtocolIds.teamIdMaximum))\""))
        }
        do {
            message.leagues = try LeagueFilter.parse(parameters["leagues"], parameter: "leagues")
        } catch {
            return .failure(.error(.badRequest, code: "bad_request", message: error.message))
        }
        if Set(message.games).count > configuration.maxGames || Set(message.teams).count > configuration.maxTeams {
            return .failure(
                .error(
                    .badRequest, code: "too_many_subscriptions",
                    message: "at most \(configuration.maxGames) games and \(configuration.maxTeams) teams")
            )
        }
        do {
            message.resume = try SSECursor.parse(parameters["resume"] ?? "")
            if let lastEventID {
                guard lastEventID.utf8.count <= configuration.maxCursorBytes else {
                    return .failure(.error(.badRequest, code: "bad_request", message: "Last-Event-ID is too long"))
                }
                message.resume.merge(try SSECursor.parse(lastEventID)) { _, newer in newer }
            }
        } catch {
            return .failure(.error(.badRequest, code: "bad_request", message: error.message))
        }
        if message.resume.count > configuration.maxGames {
            return .failure(
                .error(.badRequest, code: "too_many_subscriptions", message: "at most \(configuration.maxGames) resume positions"))
        }
        return .success(message)
    }

    // MARK: URLs

    static func split(_ uri: String) -> (path: String, query: String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }

    /// Query parameters, percent-decoded (`+` is a space); the first of repeated names wins,
    /// except for the league filters (`league`, `leagues`), whose repeated values are joined
    /// with commas (`?league=nba&league=wnba` is `?league=nba,wnba`).
    static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if let first = result[name] {
                if repeatable.contains(name) { result[name] = first.isEmpty ? value : value.isEmpty ? first : first + "," + value }
            } else {
                result[name] = value
            }
        }
        return result
    }

    /// Parameters that may be given more than once.
    static let repeatable: Set<String> = ["league", "leagues"]

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

@available(*, unavailable)
extension HTTPHandler: Sendable {}
