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
    /// The DNS and URI subject alternative names of the client's verified TLS certificate
    /// (mTLS); empty on cleartext connections and for clients without a certificate.
    public var peerCertificateNames: [String] { peer.certificateNames.names }
    /// The connection's slot for the server's interceptor (``ConnectionSlot``): the same object
    /// for every call of this call's connection.
    public var connectionSlot: ConnectionSlot { peer.interceptorSlot }
    private var baseLogger: Logger { peer.logger }
    private let registered: RegisteredMethod
    private let peer: ServerPeer
    private let streamID: Int32

    /// Names this call in logs and in what the client is told about a failure ("5f2c9a1e-7": the
    /// connection's random tag and the stream). Unique within the process with near certainty;
    /// built when asked for, so calls that never fail or log pay nothing for it.
    public var requestID: String { peer.requestID(streamID: streamID) }

    /// A logger whose metadata names this call (`rpc`, `request_id`). Built when asked for: most
    /// calls never log, and setting logger metadata is not free.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "rpc"] = "\(method.path)"
        logger[metadataKey: "request_id"] = "\(requestID)"
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
    /// Random per connection: with the stream id it makes a request id.
    let tag = UInt32.random(in: 0...UInt32.max)
    /// Filled in by the TLS handshake, before any call of the connection starts.
    let certificateNames = PeerCertificateNames()
    /// What the interceptor keeps for this connection.
    let interceptorSlot = ConnectionSlot()

    init(remoteAddress: String, logger: Logger) {
        self.remoteAddress = remoteAddress
        self.logger = logger
    }

    func requestID(streamID: Int32) -> String {
        let hex = String(tag, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex + "-" + String(streamID)
    }
}
