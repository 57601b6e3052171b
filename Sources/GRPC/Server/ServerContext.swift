public import GRPCWire
public import Logging
import Synchronization

/// What a handler knows about its call, and how it adds response metadata.
public final class ServerContext: Sendable {
    /// The method being called.
    public let method: MethodDescriptor
    /// The client's custom metadata (request headers without the reserved ones).
    public let requestMetadata: Metadata
    /// When the client's deadline (`grpc-timeout`) passes; the handler is cancelled then.
    public let deadline: ContinuousClock.Instant?
    /// The client's address.
    public let remoteAddress: String
    private let baseLogger: Logger
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

    init(method: MethodDescriptor, requestMetadata: Metadata, deadline: ContinuousClock.Instant?, remoteAddress: String, streamID: Int32, logger: Logger) {
        self.method = method
        self.requestMetadata = requestMetadata
        self.deadline = deadline
        self.remoteAddress = remoteAddress
        self.streamID = streamID
        self.baseLogger = logger
    }

    /// Metadata for the response headers; only effective before the first response message.
    public func addResponseMetadata(_ metadata: Metadata) {
        responseMetadataStorage.withLock { current in
            for (key, value) in metadata { current.append(key: key, value: value) }
        }
    }

    /// Metadata for the trailers sent with the final status.
    public func addTrailingMetadata(_ metadata: Metadata) {
        trailingMetadataStorage.withLock { current in
            for (key, value) in metadata { current.append(key: key, value: value) }
        }
    }

    var responseMetadata: Metadata { responseMetadataStorage.withLock { $0 } }
    var trailingMetadata: Metadata { trailingMetadataStorage.withLock { $0 } }
}
