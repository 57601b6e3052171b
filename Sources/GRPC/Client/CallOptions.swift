public import GRPCWire

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
