/// Names one RPC: `/package.Service/Method` on the wire.
public struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// The fully qualified service name ("courtside.v1.ScoreService").
    public let service: String
    /// The method name ("PublishEvents").
    public let method: String

    public init(service: String, method: String) {
        self.service = service
        self.method = method
    }

    /// Parses a `:path` header ("/courtside.v1.ScoreService/PublishEvents").
    public init?(path: some StringProtocol) {
        guard path.first == "/" else { return nil }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.service = String(parts[0])
        self.method = String(parts[1])
    }

    public var path: String { "/\(service)/\(method)" }

    public var description: String { path }
}

/// The four shapes of RPC.
public enum RPCKind: Sendable, Hashable {
    case unary
    case serverStreaming
    case clientStreaming
    case bidirectionalStreaming

    /// Whether the client may send more than one message.
    public var clientStreams: Bool { self == .clientStreaming || self == .bidirectionalStreaming }
    /// Whether the server may send more than one message.
    public var serverStreams: Bool { self == .serverStreaming || self == .bidirectionalStreaming }
}
