public import GRPCWire
public import Logging
public import NIOCore
public import NIOPosix

/// A gRPC client for one server address. It connects lazily, multiplexes calls over one HTTP/2
/// connection, and opens a new connection when the server goes away (GOAWAY or a closed socket).
public final class GRPCClient: Sendable {
    public let configuration: Configuration
    private let connector: ClientConnector

    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "courtside.grpc.client")
    ) {
        self.configuration = configuration
        self.connector = ClientConnector(configuration: configuration, group: eventLoopGroup, logger: logger)
    }

    public convenience init(host: String, port: Int, logger: Logger = Logger(label: "courtside.grpc.client")) {
        self.init(configuration: Configuration(host: host, port: port), logger: logger)
    }

    /// A client of a server in this process, connected without a socket (`InProcessEndpoint`);
    /// `configuration`'s host and port are not used.
    public init(
        inProcess endpoint: InProcessEndpoint,
        configuration: Configuration = Configuration(host: "in-process", port: 0),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "courtside.grpc.client")
    ) {
        self.configuration = configuration
        self.connector = ClientConnector(configuration: configuration, inProcess: endpoint, group: eventLoopGroup, logger: logger)
    }

    public var target: String { connector.target }

    /// Closes the connection; calls in flight fail and new calls fail with UNAVAILABLE.
    public func close() {
        connector.close()
    }

    // MARK: Calls

    /// Opens a call, runs `body` with it on the connection's event loop, and resets the stream if
    /// `body` leaves before the call ended.
    private func withCall<Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions,
        _ body: (ClientCallHandle) async throws -> Result
    ) async throws -> Result {
        let options =
            try configuration.credentials.map { credentials in
                var withCredentials = options
                withCredentials.metadata.append(contentsOf: try credentials.metadata())
                return withCredentials
            } ?? options
        var attempt = 0
        while true {
            attempt += 1
            let connection = try await connector.connection()
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
