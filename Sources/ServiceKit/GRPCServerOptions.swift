public import ArgumentParser
public import GRPC
internal import HTTP2Transport
internal import NIOCore

/// The budgets and deadlines of a gRPC server, as flags and environment variables: what one
/// client may make the service hold, and how long a connection may take to prove itself. The
/// score, schedule and subscription services share them (docs/grpc-server-limits.md).
public struct GRPCServerOptions: ParsableArguments, Sendable {
    @Option(help: "Streams a client may have open on one connection; more are refused with REFUSED_STREAM (env COURTSIDE_GRPC_MAX_CONCURRENT_STREAMS).")
    public var grpcMaxConcurrentStreams: Int = Environment.int("COURTSIDE_GRPC_MAX_CONCURRENT_STREAMS", default: 100)

    @Option(help: "Largest request header list in bytes (name + value + 32 per field); more: RESOURCE_EXHAUSTED (env COURTSIDE_GRPC_MAX_HEADER_LIST_BYTES).")
    public var grpcMaxHeaderListBytes: Int = Environment.int("COURTSIDE_GRPC_MAX_HEADER_LIST_BYTES", default: 16 << 10)

    @Option(help: "Request bytes one stream may hold before its handler reads them (never below the largest message); more: RESOURCE_EXHAUSTED (env COURTSIDE_GRPC_MAX_STREAM_BUFFER_BYTES).")
    public var grpcMaxStreamBufferBytes: Int = Environment.int("COURTSIDE_GRPC_MAX_STREAM_BUFFER_BYTES", default: 8 << 20)

    @Option(help: "Request bytes all streams of one connection may hold; the stream that goes over ends with RESOURCE_EXHAUSTED (env COURTSIDE_GRPC_MAX_CONNECTION_BUFFER_BYTES).")
    public var grpcMaxConnectionBufferBytes: Int = Environment.int("COURTSIDE_GRPC_MAX_CONNECTION_BUFFER_BYTES", default: 16 << 20)

    @Option(help: "Response bytes one connection may have queued for a client that does not read; more: GOAWAY ENHANCE_YOUR_CALM (env COURTSIDE_GRPC_MAX_WRITE_QUEUE_BYTES).")
    public var grpcMaxWriteQueueBytes: Int = Environment.int("COURTSIDE_GRPC_MAX_WRITE_QUEUE_BYTES", default: 32 << 20)

    @Option(help: "PING/SETTINGS acknowledgements queued for a client that does not read; more: GOAWAY ENHANCE_YOUR_CALM (env COURTSIDE_GRPC_MAX_QUEUED_CONTROL_FRAMES).")
    public var grpcMaxQueuedControlFrames: Int = Environment.int("COURTSIDE_GRPC_MAX_QUEUED_CONTROL_FRAMES", default: 256)

    @Option(help: "Open gRPC connections per process; more are refused with GOAWAY ENHANCE_YOUR_CALM (env COURTSIDE_GRPC_MAX_CONNECTIONS).")
    public var grpcMaxConnections: Int = Environment.int("COURTSIDE_GRPC_MAX_CONNECTIONS", default: 1024)

    @Option(help: "Open gRPC connections per client address; more are refused with GOAWAY ENHANCE_YOUR_CALM (env COURTSIDE_GRPC_MAX_CONNECTIONS_PER_ADDRESS).")
    public var grpcMaxConnectionsPerAddress: Int = Environment.int("COURTSIDE_GRPC_MAX_CONNECTIONS_PER_ADDRESS", default: 128)

    @Option(help: "Seconds a new connection has to send the HTTP/2 preface and SETTINGS; then it is closed (env COURTSIDE_GRPC_PREFACE_TIMEOUT_SECONDS).")
    public var grpcPrefaceTimeoutSeconds: Double = Environment.double("COURTSIDE_GRPC_PREFACE_TIMEOUT_SECONDS", default: 5)

    @Option(help: "Seconds a connection may stay without streams before GOAWAY closes it; 0: never (env COURTSIDE_GRPC_IDLE_TIMEOUT_SECONDS).")
    public var grpcIdleTimeoutSeconds: Double = Environment.double("COURTSIDE_GRPC_IDLE_TIMEOUT_SECONDS", default: 300)

    @Option(help: "Seconds between the server's keepalive PINGs on each connection; 0: none (env COURTSIDE_GRPC_KEEPALIVE_SECONDS).")
    public var grpcKeepaliveSeconds: Double = Environment.double("COURTSIDE_GRPC_KEEPALIVE_SECONDS", default: 60)

    @Option(help: "Seconds a client has to answer a keepalive PING; then the connection is closed (env COURTSIDE_GRPC_KEEPALIVE_TIMEOUT_SECONDS).")
    public var grpcKeepaliveTimeoutSeconds: Double = Environment.double("COURTSIDE_GRPC_KEEPALIVE_TIMEOUT_SECONDS", default: 20)

    public init() {}

    public mutating func validate() throws {
        try Self.check(grpcMaxConcurrentStreams, "--grpc-max-concurrent-streams", within: 1...100_000)
        try Self.check(grpcMaxHeaderListBytes, "--grpc-max-header-list-bytes", within: 1024...(1 << 20))
        try Self.check(grpcMaxStreamBufferBytes, "--grpc-max-stream-buffer-bytes", within: (64 << 10)...(1 << 30))
        try Self.check(grpcMaxConnectionBufferBytes, "--grpc-max-connection-buffer-bytes", within: grpcMaxStreamBufferBytes...(4 << 30))
        try Self.check(grpcMaxWriteQueueBytes, "--grpc-max-write-queue-bytes", within: (1 << 20)...(4 << 30))
        try Self.check(grpcMaxQueuedControlFrames, "--grpc-max-queued-control-frames", within: 1...100_000)
        try Self.check(grpcMaxConnections, "--grpc-max-connections", within: 1...1_000_000)
        try Self.check(grpcMaxConnectionsPerAddress, "--grpc-max-connections-per-address", within: 1...grpcMaxConnections)
        try CommonOptions.checkSeconds(grpcPrefaceTimeoutSeconds, "--grpc-preface-timeout-seconds", within: 0.001...3600)
        try CommonOptions.checkSeconds(grpcIdleTimeoutSeconds, "--grpc-idle-timeout-seconds", within: 0...86_400)
        try CommonOptions.checkSeconds(grpcKeepaliveSeconds, "--grpc-keepalive-seconds", within: 0...86_400)
        try CommonOptions.checkSeconds(grpcKeepaliveTimeoutSeconds, "--grpc-keepalive-timeout-seconds", within: 0.001...3600)
    }

    /// The validated settings as a server takes them.
    public var limits: GRPCServerLimits {
        var limits = GRPCServerLimits()
        limits.http2.maxConcurrentStreams = UInt32(grpcMaxConcurrentStreams)
        limits.http2.maxHeaderListSize = UInt32(grpcMaxHeaderListBytes)
        limits.http2.maxQueuedOutboundBytes = grpcMaxWriteQueueBytes
        limits.http2.maxQueuedControlFrames = grpcMaxQueuedControlFrames
        limits.http2.prefaceTimeout = CommonOptions.timeAmount(seconds: grpcPrefaceTimeoutSeconds)
        limits.http2.idleTimeout = grpcIdleTimeoutSeconds == 0 ? nil : CommonOptions.timeAmount(seconds: grpcIdleTimeoutSeconds)
        limits.maxStreamRequestBytes = grpcMaxStreamBufferBytes
        limits.maxConnectionRequestBytes = grpcMaxConnectionBufferBytes
        limits.maxConnections = grpcMaxConnections
        limits.maxConnectionsPerAddress = grpcMaxConnectionsPerAddress
        limits.keepalive =
            grpcKeepaliveSeconds == 0
            ? nil
            : HTTP2Connection.Keepalive(
                interval: CommonOptions.timeAmount(seconds: grpcKeepaliveSeconds),
                timeout: CommonOptions.timeAmount(seconds: grpcKeepaliveTimeoutSeconds)
            )
        return limits
    }

    private static func check(_ value: Int, _ flag: String, within range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
    }
}
