public import Logging
public import NIOCore
internal import NIOHTTP1
internal import NIOPosix
import Synchronization

/// The admin HTTP/1.1 server every service runs: `/metrics` (Prometheus text format),
/// `/healthz` (the process is alive) and `/readyz` (it should receive traffic).
public final class AdminServer: Sendable {
    private let host: String
    private let port: Int
    private let metrics: ServiceMetrics
    private let readiness: Readiness
    private let logger: Logger
    private let channel = Mutex<(any Channel)?>(nil)

    public init(host: String, port: Int, metrics: ServiceMetrics, readiness: Readiness, logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    public var localAddress: SocketAddress? { channel.withLock { $0?.localAddress } }

    public func start() async throws {
        let metrics = self.metrics
        let readiness = self.readiness
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(metrics: metrics, readiness: readiness))
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

/// Answers the three admin endpoints.
private final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ServiceMetrics
    private let readiness: Readiness
    private var request: HTTPRequestHead?

    init(metrics: ServiceMetrics, readiness: Readiness) {
        self.metrics = metrics
        self.readiness = readiness
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
            respond(to: head, context: context)
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
