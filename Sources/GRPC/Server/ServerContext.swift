public import GRPCWire
public import Logging
import Synchronization

/// What a handler knows about its call, and how it adds response metadata.
public final class ServerContext: Sendable {
    /// The method being called.
    public var method: MethodDescriptor { registered.descriptor }
    /// The client's custom metadata (request headers without the reserved ones).
    public let requestMetadata: Metadata
    /// When the client's deadline (`grpc-timeout`) passes; the handler is cancelled then.
    public let deadline: ContinuousClock.Instant?
    /// The client's address.
    public var remoteAddress: String { peer.remoteAddress }
    private var baseLogger: Logger { peer.logger }
    private let registered: RegisteredMethod
    private let peer: ServerPeer
    private let streamID: Int32

    /// A logger whose metadata names this call (`rpc`, `rpc_id`). Built when asked for: most
    /// calls never log, and setting logger metadata is not free.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "rpc"] = "\(method.path)"
        logger[metadataKey: "rpc_id"] = "\(remoteAddress)#\(streamID)"
        return logger
    }

    private let responseMetadataStorage = Mutex(Metadata())
    private let trailingMetadataStorage = Mutex(Metadata())

    init(method: RegisteredMethod, requestMetadata: Metadata, deadline: ContinuousClock.Instant?, peer: ServerPeer, streamID: Int32) {
        self.registered = method
        self.requestMetadata = requestMetadata
        self.deadline = deadline
        self.peer = peer
        self.streamID = streamID
    }

    /// Metadata for the response headers; only effective before the first response message.
    public func addResponseMetadata(_ metadata: Metadata) {
        responseMetadataStorage.withLock { current in
            current.append(contentsOf: metadata)
        }
    }

    /// Metadata for the trailers sent with the final status.
    public func addTrailingMetadata(_ metadata: Metadata) {
        trailingMetadataStorage.withLock { current in
            current.append(contentsOf: metadata)
        }
    }

    var responseMetadata: Metadata { responseMetadataStorage.withLock { $0 } }
    var trailingMetadata: Metadata { trailingMetadataStorage.withLock { $0 } }
}

/// What every call of one connection shares: the client's address and the connection's logger
/// (one reference per call instead of copies of both).
final class ServerPeer: Sendable {
    let remoteAddress: String
    let logger: Logger

    init(remoteAddress: String, logger: Logger) {
        self.remoteAddress = remoteAddress
        self.logger = logger
    }
}
