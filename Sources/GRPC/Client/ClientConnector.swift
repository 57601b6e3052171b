internal import GRPCWire
internal import HTTP2Transport
internal import Logging
internal import NIOCore
internal import NIOPosix
import Synchronization

/// A client's connection to its server: made on first use, shared by every call, and made again
/// once the server goes away (GOAWAY or a closed socket).
final class ClientConnector: Sendable {
    struct Connection: Sendable {
        let eventLoop: any EventLoop
        let connection: NIOLoopBound<GRPCClientConnection>
        let flags: ConnectionFlags
        let executor: EventLoopTaskExecutor
    }

    private enum State {
        case idle
        case connecting(EventLoopFuture<Connection>)
        case ready(Connection)
        case closed
    }

    let configuration: GRPCClient.Configuration
    /// A server in this process to connect to through pipes instead of `host:port`.
    private let inProcess: InProcessEndpoint?
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State.idle)

    init(configuration: GRPCClient.Configuration, inProcess: InProcessEndpoint? = nil, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.inProcess = inProcess
        self.group = group
        self.logger = logger
    }

    var target: String { inProcess == nil ? "\(configuration.host):\(configuration.port)" : InProcessEndpoint.authority }

    /// Closes the connection; calls in flight fail and new calls fail with UNAVAILABLE.
    func close() {
        let connection: Connection? = state.withLock { state in
            defer { state = .closed }
            if case .ready(let connection) = state { return connection }
            return nil
        }
        if let connection {
            let bound = connection.connection
            connection.eventLoop.execute { bound.value.http2.close() }
        }
    }

    // MARK: Connections

    func connection() async throws -> Connection {
        let future: EventLoopFuture<Connection> = try state.withLock { state in
            switch state {
            case .ready(let connection) where connection.flags.isUsable:
                return connection.eventLoop.makeSucceededFuture(connection)
            case .connecting(let future):
                return future
            case .closed:
                throw RPCError(.unavailable, "client for \(target) is closed")
            case .idle, .ready:
                let future = makeConnection()
                state = .connecting(future)
                return future
            }
        }
        do {
            let connection = try await future.get()
            state.withLock { state in
                if case .connecting(let pending) = state, pending === future {
                    state = .ready(connection)
                }
            }
            return connection
        } catch {
            state.withLock { state in
                if case .connecting(let pending) = state, pending === future {
                    state = .idle
                }
            }
            throw RPCError(.unavailable, "cannot connect to \(target): \(Self.describeConnectError(error))")
        }
    }

    /// The root cause of a failed connect ("connection refused"), without NIO's wrapping.
    private static func describeConnectError(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describeConnectError(first.error)
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }

    private func makeConnection() -> EventLoopFuture<Connection> {
        let configuration = self.configuration
        let logger = self.logger
        let authority = target
        let flags = ConnectionFlags()
        let eventLoop = group.next()
        let initialize: @Sendable (any Channel) -> EventLoopFuture<Void> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let http2 = HTTP2Connection(
                    role: .client,
                    eventLoop: channel.eventLoop,
                    settings: configuration.http2,
                    keepalive: configuration.keepalive,
                    logger: logger
                )
                let grpc = GRPCClientConnection(
                    http2: http2,
                    authority: authority,
                    scheme: configuration.tls == nil ? "http" : "https",
                    maximumReceiveMessageSize: configuration.maximumReceiveMessageSize,
                    flags: flags
                )
                http2.delegate = grpc
                try configuration.tls?.addHandler(to: channel, host: configuration.host)
                try channel.pipeline.syncOperations.addHandler(http2)
            }
        }
        let channel: EventLoopFuture<any Channel>
        if let inProcess {
            channel = inProcess.connect(on: eventLoop, initializeClient: initialize)
        } else {
            channel = ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer(initialize)
                .connect(host: configuration.host, port: configuration.port)
        }
        return
            channel
            .flatMapThrowing { channel in
                let http2 = try channel.pipeline.syncOperations.handler(type: HTTP2Connection.self)
                guard let grpc = http2.delegate as? GRPCClientConnection else {
                    throw RPCError(.internal, "connection set-up failed")
                }
                return Connection(
                    eventLoop: channel.eventLoop,
                    connection: NIOLoopBound(grpc, eventLoop: channel.eventLoop),
                    flags: flags,
                    executor: EventLoopTaskExecutor(channel.eventLoop)
                )
            }
    }
}
