internal import HTTP2Transport
public import Logging
internal import NIOCore
internal import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A server's methods reached from the same process without a socket: each client connection
/// is a pair of pipes, with the server's HTTP/2 connection and gRPC calls on one end and the
/// client's on the other. Calls go through the same nghttp2 sessions, framing, handlers,
/// deadlines, status and trailers as on the network; nothing listens, no port is bound, and
/// the server's connection caps and shutdown do not apply (tests own both ends).
public struct InProcessEndpoint: Sendable {
    let router: RPCRouter
    let configuration: GRPCServer.Configuration
    let logger: Logger

    /// The methods and limits of `server` (which need not be started).
    public init(server: GRPCServer, logger: Logger = Logger(label: "courtside.grpc.in-process")) {
        self.init(router: server.router, configuration: server.configuration, logger: logger)
    }

    public init(
        router: RPCRouter, configuration: GRPCServer.Configuration = GRPCServer.Configuration(port: 0),
        logger: Logger = Logger(label: "courtside.grpc.in-process")
    ) {
        self.router = router
        self.configuration = configuration
        self.logger = logger
    }

    /// What a client names as its target.
    static let authority = "in-process"

    /// Opens one connection: the server's end is set up here, the client's by `initializeClient`.
    func connect(
        on eventLoop: any EventLoop,
        initializeClient: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        var toServer: [Int32] = [-1, -1]
        var toClient: [Int32] = [-1, -1]
        guard pipe(&toServer) == 0 else {
            return eventLoop.makeFailedFuture(IOError(errnoCode: errno, reason: "pipe"))
        }
        guard pipe(&toClient) == 0 else {
            let error = IOError(errnoCode: errno, reason: "pipe")
            close(toServer[0])
            close(toServer[1])
            return eventLoop.makeFailedFuture(error)
        }
        let endpoint = self
        let server = NIOPipeBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try endpoint.initializeServer(channel) }
            }
            .takingOwnershipOfDescriptors(input: toServer[0], output: toClient[1])
        let client = NIOPipeBootstrap(group: eventLoop)
            .channelInitializer(initializeClient)
            .takingOwnershipOfDescriptors(input: toClient[0], output: toServer[1])
        // A server end that failed to start leaves the client without a peer: close it too.
        return server.and(client).map { $0.1 }.flatMapErrorWithEventLoop { error, loop in
            client.whenSuccess { $0.close(promise: nil) }
            server.whenSuccess { $0.close(promise: nil) }
            return loop.makeFailedFuture(error)
        }
    }

    /// The server's end of a connection: its HTTP/2 connection and gRPC calls, on `channel`
    /// (called on its loop). Tests that speak raw HTTP/2 put it on one end of a socket pair.
    func initializeServer(_ channel: any Channel) throws {
        let http2 = HTTP2Connection(
            role: .server, eventLoop: channel.eventLoop, settings: configuration.http2, keepalive: configuration.limits.keepalive,
            logger: logger
        )
        http2.delegate = GRPCServerConnection(
            http2: http2, router: router, configuration: configuration, remoteAddress: Self.authority, logger: logger
        ) {}
        try channel.pipeline.syncOperations.addHandler(http2)
    }
}
