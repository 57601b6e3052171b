internal import GRPC
public import Logging
public import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import Prometheus
import Synchronization

/// What the admin port allows its clients (Prometheus, probes): it serves three small GETs, so
/// a few connections and a prompt request are all it needs.
public struct AdminServerLimits: Sendable, Hashable {
    /// Open connections per process; more get 503 and are closed.
    public var maxConnections = 64
    /// Open connections per client address; more get 503 and are closed.
    public var maxConnectionsPerAddress = 16
    /// A whole request must arrive within this time of the connection opening or of the
    /// previous response; else the connection is closed.
    public var requestTimeout: TimeAmount = .seconds(5)

    public init() {}
}

/// The admin HTTP/1.1 server every service runs: `/metrics` (Prometheus text format),
/// `/healthz` (the process is alive) and `/readyz` (it should receive traffic).
public final class AdminServer: Sendable {
    private let host: String
    private let port: Int
    private let metrics: ServiceMetrics
    private let readiness: Readiness
    private let logger: Logger
    private let limits: AdminServerLimits
    private let admission: Mutex<ConnectionAdmission>
    private let channel = Mutex<(any Channel)?>(nil)

    /// - Parameter host: the address the admin port binds, apart from the service's own
    ///   (`--admin-host`, loopback by default).
    public init(
        host: String, port: Int, metrics: ServiceMetrics, readiness: Readiness, logger: Logger,
        limits: AdminServerLimits = AdminServerLimits()
    ) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
        self.limits = limits
        self.admission = Mutex(
            ConnectionAdmission(maxConnections: limits.maxConnections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress))
    }

    public var localAddress: SocketAddress? { channel.withLock { $0?.localAddress } }

    public func start() async throws {
        let metrics = self.metrics
        let readiness = self.readiness
        let timeout = limits.requestTimeout
        let limitHits = AdminLimitHits(metrics: metrics)
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                let address = channel.remoteAddress?.ipAddress ?? "unknown"
                if let refusal = self.admission.withLock({ $0.admit(address: address) }) {
                    limitHits.count(refusal == .process ? .maxConnections : .maxConnectionsPerAddress)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AdminRefusal())
                    }
                }
                channel.closeFuture.whenComplete { [weak self] _ in self?.admission.withLock { $0.release(address: address) } }
                return channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        AdminHandler(metrics: metrics, readiness: readiness, requestTimeout: timeout, limitHits: limitHits)
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
        channel.withLock { $0 = bound }
        logger.info("admin server listening", metadata: ["address": "\(bound.localAddress.map { "\($0)" } ?? "?")"])
    }

    public func stop() async {
        let bound = channel.withLock { $0 }
        try? await bound?.close()
    }
}

/// The admin port's limits, counted in `courtside_admin_limit_hits_total{limit}`.
private struct AdminLimitHits: Sendable {
    enum Limit: String, CaseIterable {
        case requestTimeout = "request_timeout"
        case maxConnections = "max_connections"
        case maxConnectionsPerAddress = "max_connections_per_address"
    }

    private let counters: [Limit: Counter]

    init(metrics: ServiceMetrics) {
        var counters: [Limit: Counter] = [:]
        for limit in Limit.allCases {
            counters[limit] = metrics.counter(
                "courtside_admin_limit_hits_total",
                "Admin connections closed because the client broke a limit (see SECURITY.md).",
                labels: [("limit", limit.rawValue)]
            )
        }
        self.counters = counters
    }

    func count(_ limit: Limit) {
        counters[limit]?.increment()
    }
}

/// Answers a connection over the caps with 503 and closes it.
private final class AdminRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let response = Array(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\nconnection: close\r\n\r\ntoo many connections\n"
            .utf8)

    private var answered = false

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context: context)
    }

    private func answer(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: Self.response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Answers the three admin endpoints.
private final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ServiceMetrics
    private let readiness: Readiness
    private let requestTimeout: TimeAmount
    private let limitHits: AdminLimitHits
    private var request: HTTPRequestHead?
    /// Runs while a request is awaited: from the connection's start, and from each response.
    private var requestDeadline: Scheduled<Void>?

    init(metrics: ServiceMetrics, readiness: Readiness, requestTimeout: TimeAmount, limitHits: AdminLimitHits) {
        self.metrics = metrics
        self.readiness = readiness
        self.requestTimeout = requestTimeout
        self.limitHits = limitHits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        awaitRequest(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestDeadline?.cancel()
        requestDeadline = nil
    }

    private func awaitRequest(context: ChannelHandlerContext) {
        requestDeadline?.cancel()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        requestDeadline = context.eventLoop.scheduleTask(in: requestTimeout) {
            bound.value.handler.requestTimedOut(context: bound.value.context)
        }
    }

    /// Closes the connection: a client that takes this long to send a few header lines is
    /// holding the port, not asking for metrics.
    private func requestTimedOut(context: ChannelHandlerContext) {
        requestDeadline = nil
        limitHits.count(.requestTimeout)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            requestDeadline?.cancel()
            requestDeadline = nil
            respond(to: head, context: context)
            if head.isKeepAlive { awaitRequest(context: context) }
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let status: HTTPResponseStatus
        let contentType: String
        var body: [UInt8]
        switch (head.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            status = .ok
            contentType = "text/plain; version=0.0.4; charset=utf-8"
            body = metrics.render()
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            status = .ok
            contentType = "text/plain; charset=utf-8"
            body = Array("ok\n".utf8)
        case (.GET, "/readyz"), (.HEAD, "/readyz"):
            contentType = "text/plain; charset=utf-8"
            if let reason = readiness.notReadyReason() {
                status = .serviceUnavailable
                body = Array("not ready: \(reason)\n".utf8)
            } else {
                status = .ok
                body = Array("ready\n".utf8)
            }
        case (_, "/metrics"), (_, "/healthz"), (_, "/readyz"):
            status = .methodNotAllowed
            contentType = "text/plain; charset=utf-8"
            body = Array("method not allowed\n".utf8)
        default:
            status = .notFound
            contentType = "text/plain; charset=utf-8"
            body = Array("not found: try /metrics, /healthz or /readyz\n".utf8)
        }
        if head.method == .HEAD { body = [] }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
