internal import GRPCWire
public import HTTP2Transport
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// A gRPC server: listens on a TCP port (h2c with prior knowledge) and serves the registered
/// services on nghttp2.
public final class GRPCServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Largest request message accepted; larger ones end the call with RESOURCE_EXHAUSTED.
        public var maximumReceiveMessageSize: Int = 4 << 20
        /// What each client may make the server hold, and how long it may take.
        public var limits = GRPCServerLimits()
        /// The HTTP/2 part of `limits`.
        public var http2: HTTP2Settings {
            get { limits.http2 }
            set { limits.http2 = newValue }
        }
        /// Told about connections and calls (metrics).
        public var observer: (any GRPCServerObserver)?
        /// TLS (h2 through ALPN) on every connection; nil: cleartext h2c with prior knowledge.
        public var tls: ServerTLSCredentials?
        /// Around the handlers of the methods it intercepts (authentication).
        public var interceptor: (any CallInterceptor)?

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: ConnectionHandle] = [:]
        var admission: ConnectionAdmission
        var shuttingDown = false
        var grace: TimeAmount?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct ConnectionHandle: Sendable {
        let eventLoop: any EventLoop
        let connection: NIOLoopBound<HTTP2Connection>

        func beginGracefulShutdown(grace: TimeAmount?) {
            let connection = self.connection
            eventLoop.execute { connection.value.beginGracefulShutdown(grace: grace) }
        }
    }

    public let configuration: Configuration
    public let router: RPCRouter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let state: Mutex<State>

    public init(
        configuration: Configuration,
        services: [any RPCService],
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        var router = RPCRouter()
        for service in services {
            service.registerMethods(with: &router)
        }
        if let interceptor = configuration.interceptor {
            router.intercept(with: interceptor)
        }
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.group = eventLoopGroup
        self.state = Mutex(
            State(
                admission: ConnectionAdmission(
                    maxConnections: configuration.limits.maxConnections,
                    maxConnectionsPerAddress: configuration.limits.maxConnectionsPerAddress
                )
            )
        )
    }

    /// The address the server listens on, once started.
    public var localAddress: SocketAddress? {
        state.withLock { $0.listener?.localAddress }
    }

    /// Binds the listening socket. Throws if the port cannot be bound.
    public func start() async throws {
        let configuration = self.configuration
        let router = self.router
        let logger = self.logger
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let self else { throw ChannelError.ioOnClosedChannel }
                    let address = channel.remoteAddress?.ipAddress ?? "unknown"
                    let remote = "\(address):\(channel.remoteAddress?.port ?? 0)"
                    var connectionLogger = logger
                    connectionLogger[metadataKey: "peer"] = "\(remote)"
                    let http2 = HTTP2Connection(
                        role: .server, eventLoop: channel.eventLoop, settings: configuration.http2,
                        keepalive: configuration.limits.keepalive, logger: connectionLogger
                    )
                    let id = ObjectIdentifier(http2)
                    if let refusal = self.admit(id, address: address) {
                        // Answered with GOAWAY ENHANCE_YOUR_CALM, then closed; never served.
                        connectionLogger.debug("connection refused", metadata: ["limit": "\(refusal.rawValue)"])
                        configuration.observer?.limitReached(refusal)
                        http2.refuse(.tooManyConnections)
                        try configuration.tls?.addHandlers(
                            to: channel, peerNames: PeerCertificateNames(), observer: configuration.observer, logger: connectionLogger
                        )
                        try channel.pipeline.syncOperations.addHandler(http2)
                        return
                    }
                    let grpc = GRPCServerConnection(
                        http2: http2,
                        router: router,
                        configuration: configuration,
                        remoteAddress: remote,
                        logger: connectionLogger
                    ) {}
                    // Counted out when the channel closes, not when HTTP/2 sees it go inactive:
                    // a channel closed before it ever became active (a client that connected and
                    // left while the server was starting to drain) never goes inactive, and it
                    // would hold the drain until the grace period ran out.
                    channel.closeFuture.whenComplete { [weak self] _ in
                        self?.connectionClosed(id, address: address)
                    }
                    http2.delegate = grpc
                    try configuration.tls?.addHandlers(
                        to: channel, peerNames: grpc.peer.certificateNames, observer: configuration.observer, logger: connectionLogger
                    )
                    try channel.pipeline.syncOperations.addHandler(http2)
                    self.connectionOpened(
                        id, ConnectionHandle(eventLoop: channel.eventLoop, connection: NIOLoopBound(http2, eventLoop: channel.eventLoop)))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        state.withLock { state in
            state.listener = listener
        }
        logger.info(
            "gRPC server listening",
            metadata: [
                "address": "\(listener.localAddress.map { "\($0)" } ?? "?")", "tls": "\(configuration.tls == nil ? "off (h2c)" : "on")",
            ]
        )
    }

    /// Counts a new connection in, or says which cap refuses it.
    private func admit(_ id: ObjectIdentifier, address: String) -> GRPCServerLimit? {
        let refusal = state.withLock { $0.admission.admit(address: address) }
        switch refusal {
        case nil: return nil
        case .process: return .maxConnections
        case .address: return .maxConnectionsPerAddress
        }
    }

    private func connectionOpened(_ id: ObjectIdentifier, _ handle: ConnectionHandle) {
        configuration.observer?.connectionOpened()
        let grace: TimeAmount?? = state.withLock { state in
            state.connections[id] = handle
            return state.shuttingDown ? .some(state.grace) : .none
        }
        if let grace {
            handle.beginGracefulShutdown(grace: grace)
        }
    }

    private func connectionClosed(_ id: ObjectIdentifier, address: String) {
        configuration.observer?.connectionClosed()
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.connections.removeValue(forKey: id)
            state.admission.release(address: address)
            guard state.shuttingDown, state.connections.isEmpty else { return [] }
            defer { state.closeWaiters.removeAll() }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Number of open client connections.
    public var connectionCount: Int {
        state.withLock { $0.connections.count }
    }

    /// Request bytes the calls of every connection hold (what the request budgets bound).
    func heldRequestBytes() async -> Int {
        let handles = state.withLock { Array($0.connections.values) }
        var total = 0
        for handle in handles {
            let connection = handle.connection
            total +=
                (try? await handle.eventLoop.submit {
                    (connection.value.delegate as? GRPCServerConnection)?.requestBudget.heldBytes ?? 0
                }.get()) ?? 0
        }
        return total
    }

    /// Stops accepting connections, sends GOAWAY on every connection and lets calls in flight
    /// finish; connections still open after `grace` are closed.
    public func beginGracefulShutdown(grace: Duration? = nil) {
        let amount = grace.map { TimeAmount($0) }
        let (listener, connections, waiters): ((any Channel)?, [ConnectionHandle], [CheckedContinuation<Void, Never>]) =
            state.withLock { state in
                guard !state.shuttingDown else { return (nil, [], []) }
                state.shuttingDown = true
                state.grace = amount
                var waiters: [CheckedContinuation<Void, Never>] = []
                if state.connections.isEmpty {
                    waiters = state.closeWaiters
                    state.closeWaiters.removeAll()
                }
                return (state.listener, Array(state.connections.values), waiters)
            }
        listener?.close(promise: nil)
        for waiter in waiters { waiter.resume() }
        for connection in connections {
            connection.beginGracefulShutdown(grace: amount)
        }
    }

    /// Waits until shutdown has begun and every connection has closed.
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.shuttingDown && state.connections.isEmpty { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        if let listener = state.withLock({ $0.listener }) {
            try? await listener.closeFuture.get()
        }
    }

    /// Starts, serves until the task is cancelled, then shuts down gracefully within `grace`.
    public func run(grace: Duration = .seconds(10)) async throws {
        try await start()
        await withTaskCancellationHandler {
            await waitUntilStopped()
        } onCancel: {
            beginGracefulShutdown(grace: grace)
        }
    }
}
