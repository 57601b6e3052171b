public import GRPCWire
public import HTTP2Transport
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// Per-call settings.
public struct CallOptions: Sendable {
    /// How long the call may take; sent as `grpc-timeout` and enforced locally too.
    public var timeout: Duration?
    /// Custom metadata sent as request headers.
    public var metadata: Metadata

    public init(timeout: Duration? = nil, metadata: Metadata = Metadata()) {
        self.timeout = timeout
        self.metadata = metadata
    }
}

/// A gRPC client for one server address. It connects lazily, multiplexes calls over one HTTP/2
/// connection, and opens a new connection when the server goes away (GOAWAY or a closed socket).
public final class GRPCClient: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var connectTimeout: Duration = .seconds(5)
        /// Keepalive PINGs; nil disables them.
        public var keepalive: HTTP2Connection.Keepalive? = HTTP2Connection.Keepalive(interval: .seconds(30), timeout: .seconds(10))
        /// Largest response message accepted.
        public var maximumReceiveMessageSize: Int = 4 << 20
        public var http2 = HTTP2Settings()
        /// Added to every call (a bearer token); nil: calls carry only their own metadata.
        public var credentials: (any CallCredentials)?

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses "host:port".
        public init?(address: String) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (1...65535).contains(port)
            else { return nil }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        /// The address of the `service` a server calls, or INVALID_ARGUMENT that names it.
        public init(address: String, of service: String) throws {
            guard let configuration = Self(address: address) else {
                throw RPCError(.invalidArgument, "\(service) address '\(address)' is not host:port")
            }
            self = configuration
        }
    }

    private struct Connection: Sendable {
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

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State.idle)

    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "courtside.grpc.client")
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
    }

    public convenience init(host: String, port: Int, logger: Logger = Logger(label: "courtside.grpc.client")) {
        self.init(configuration: Configuration(host: host, port: port), logger: logger)
    }

    public var target: String { "\(configuration.host):\(configuration.port)" }

    /// Closes the connection; calls in flight fail and new calls fail with UNAVAILABLE.
    public func close() {
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

    private func connection() async throws -> Connection {
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
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
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
                        maximumReceiveMessageSize: configuration.maximumReceiveMessageSize,
                        flags: flags
                    )
                    http2.delegate = grpc
                    try channel.pipeline.syncOperations.addHandler(http2)
                }
            }
            .connect(host: configuration.host, port: configuration.port)
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

    // MARK: Calls

    /// Opens a call, runs `body` with it on the connection's event loop, and resets the stream if
    /// `body` leaves before the call ended.
    private func withCall<Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions,
        _ body: (ClientCallHandle) async throws -> Result
    ) async throws -> Result {
        let options = try configuration.credentials.map { credentials in
            var withCredentials = options
            withCredentials.metadata.append(contentsOf: try credentials.metadata())
            return withCredentials
        } ?? options
        var attempt = 0
        while true {
            attempt += 1
            let connection = try await self.connection()
            let bound = connection.connection
            let opened: ClientCallHandle? = try await connection.eventLoop.submit {
                guard let call = bound.value.openCall(method: method, options: options) else { return nil }
                if let timeout = options.timeout {
                    call.setDeadline(timeout)
                }
                return ClientCallHandle(eventLoop: connection.eventLoop, call: NIOLoopBound(call, eventLoop: connection.eventLoop))
            }.get()
            guard let call = opened else {
                // The connection is going away: use a new one (once).
                connection.flags.markUnusable()
                if attempt < 3 { continue }
                throw RPCError(.unavailable, "no connection to \(target) accepts new calls")
            }
            do {
                let result = try await withTaskExecutorPreference(connection.executor) {
                    try await body(call)
                }
                call.cancel()
                return result
            } catch {
                call.cancel()
                if Task.isCancelled, !(error is RPCError) {
                    throw RPCError(.cancelled, "call cancelled")
                }
                throw error
            }
        }
    }

    public func unary<Request: GRPCMessage, Response: GRPCMessage>(
        _ method: MethodDescriptor,
        request: Request,
        options: CallOptions = CallOptions()
    ) async throws -> Response {
        try await withCall(method, options: options) { call in
            try await RPCWriter<Request>(sink: call).write(request)
            call.finishRequests()
            return try await Self.singleResponse(call)
        }
    }

    /// A unary call that also returns the server's metadata.
    public func unaryWithMetadata<Request: GRPCMessage, Response: GRPCMessage>(
        _ method: MethodDescriptor,
        request: Request,
        options: CallOptions = CallOptions()
    ) async throws -> (response: Response, metadata: Metadata, trailingMetadata: Metadata) {
        try await withCall(method, options: options) { call in
            try await RPCWriter<Request>(sink: call).write(request)
            call.finishRequests()
            let response: Response = try await Self.singleResponse(call)
            return (response, try await call.responseMetadata(), try await call.trailingMetadata())
        }
    }

    public func serverStreaming<Request: GRPCMessage, Response: GRPCMessage, Result: Sendable>(
        _ method: MethodDescriptor,
        request: Request,
        options: CallOptions = CallOptions(),
        onResponse handleResponse: (RPCResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await withCall(method, options: options) { call in
            try await RPCWriter<Request>(sink: call).write(request)
            call.finishRequests()
            return try await handleResponse(RPCResponseStream(call: call))
        }
    }

    public func clientStreaming<Request: GRPCMessage, Response: GRPCMessage>(
        _ method: MethodDescriptor,
        options: CallOptions = CallOptions(),
        requestProducer: @escaping @Sendable (RPCWriter<Request>) async throws -> Void
    ) async throws -> Response {
        try await withCall(method, options: options) { call in
            do {
                try await requestProducer(RPCWriter(sink: call))
            } catch let error as RPCError {
                // The server may have ended the call early: its status is the better answer.
                if let status = try? await Self.finalError(call) { throw status }
                throw error
            }
            call.finishRequests()
            return try await Self.singleResponse(call)
        }
    }

    public func bidirectionalStreaming<Request: GRPCMessage, Response: GRPCMessage, Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions = CallOptions(),
        requestProducer: @escaping @Sendable (RPCWriter<Request>) async throws -> Void,
        onResponse handleResponse: (RPCResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await withCall(method, options: options) { call in
            let producer = Task {
                do {
                    try await requestProducer(RPCWriter(sink: call))
                    call.finishRequests()
                } catch {
                    call.fail(error)
                }
            }
            defer { producer.cancel() }
            return try await handleResponse(RPCResponseStream(call: call))
        }
    }

    private static func singleResponse<Response: GRPCMessage>(_ call: ClientCallHandle) async throws -> Response {
        guard let first = try await call.nextMessage() else {
            throw RPCError(.unimplemented, "server sent no response message")
        }
        let response = try decodeResponse(Response.self, from: first)
        if try await call.nextMessage() != nil {
            throw RPCError(.unimplemented, "server sent more than one response message")
        }
        return response
    }

    private static func finalError(_ call: ClientCallHandle) async throws -> RPCError? {
        do {
            while try await call.nextMessage() != nil {}
            return nil
        } catch let error as RPCError {
            return error
        }
    }
}
