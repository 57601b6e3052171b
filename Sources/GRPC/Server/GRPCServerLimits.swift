public import HTTP2Transport
internal import NIOCore

/// What one client may make a gRPC server hold, and how long it may take to prove itself.
///
/// Per connection, a server holds at most: `maxConnectionRequestBytes` of request messages,
/// `http2.maxQueuedOutboundBytes` of responses, one header list of `http2.maxHeaderListSize`,
/// and nghttp2's own state (`http2.maxQueuedControlFrames` acknowledgements, HPACK tables of
/// 4 KiB each way). Connections are capped per process and per client address, so those bounds
/// multiply to a bound for the process.
public struct GRPCServerLimits: Sendable, Hashable {
    /// Streams, header list, response queue, control frames, preface deadline, idle timeout.
    public var http2 = HTTP2Settings.serverDefaults
    /// Request bytes one stream may hold before its handler takes them (a message arriving,
    /// messages queued for a streaming handler). Never below the largest message accepted.
    public var maxStreamRequestBytes = 8 << 20
    /// Request bytes all streams of a connection may hold together.
    public var maxConnectionRequestBytes = 16 << 20
    /// Open connections per process; more are refused (GOAWAY ENHANCE_YOUR_CALM, then closed).
    public var maxConnections = 1024
    /// Open connections per client IP address; more are refused the same way.
    public var maxConnectionsPerAddress = 128
    /// Server PINGs to find dead peers; nil: none.
    public var keepalive: HTTP2Connection.Keepalive? = HTTP2Connection.Keepalive(interval: .seconds(60), timeout: .seconds(20))

    public init() {}
}

extension HTTP2Settings {
    /// A server's: a client must send its preface within 5 s, and a connection without streams
    /// for 5 minutes is closed.
    public static var serverDefaults: HTTP2Settings {
        var settings = HTTP2Settings()
        settings.prefaceTimeout = .seconds(5)
        settings.idleTimeout = .minutes(5)
        return settings
    }
}

/// A limit a gRPC server enforced on a client. The raw values are the `limit` label of
/// `courtside_grpc_server_limit_hits_total`: a closed set.
public enum GRPCServerLimit: String, Sendable, CaseIterable {
    /// A request's header block exceeded `maxHeaderListSize`: RESOURCE_EXHAUSTED.
    case headerListSize = "header_list_size"
    /// A stream held more request bytes than `maxStreamRequestBytes`: RESOURCE_EXHAUSTED.
    case streamRequestBytes = "stream_request_bytes"
    /// A connection held more request bytes than `maxConnectionRequestBytes`: RESOURCE_EXHAUSTED.
    case connectionRequestBytes = "connection_request_bytes"
    /// Refused: the process has `maxConnections` open.
    case maxConnections = "max_connections"
    /// Refused: the client's address has `maxConnectionsPerAddress` open.
    case maxConnectionsPerAddress = "max_connections_per_address"
    /// No HTTP/2 preface and SETTINGS in time: closed.
    case prefaceTimeout = "preface_timeout"
    /// A keepalive PING went unanswered: closed.
    case keepaliveTimeout = "keepalive_timeout"
    /// No stream for the idle timeout: GOAWAY NO_ERROR, closed.
    case idleTimeout = "idle_timeout"
    /// Responses queued beyond `maxQueuedOutboundBytes`: GOAWAY ENHANCE_YOUR_CALM, closed.
    case writeQueue = "write_queue"
    /// PING/SETTINGS acknowledgements queued beyond `maxQueuedControlFrames`: GOAWAY
    /// ENHANCE_YOUR_CALM, closed.
    case controlFrameFlood = "control_frame_flood"

    init?(_ limit: HTTP2Limit) {
        switch limit {
        case .prefaceTimeout: self = .prefaceTimeout
        case .keepaliveTimeout: self = .keepaliveTimeout
        case .idleTimeout: self = .idleTimeout
        case .queuedOutboundBytes: self = .writeQueue
        case .controlFrameFlood: self = .controlFrameFlood
        // Refusals are counted by the server, which knows which cap refused.
        case .tooManyConnections: return nil
        }
    }
}

/// Open connections per process and per client address, and whether one more may open.
/// Not synchronised: its owner holds it under a lock (it changes once per connection, never
/// per call).
public struct ConnectionAdmission: Sendable {
    public enum Refusal: Sendable, Hashable {
        case process
        case address
    }

    public let maxConnections: Int
    public let maxConnectionsPerAddress: Int
    public private(set) var openConnections = 0
    /// Only addresses with open connections are kept, so the table is bounded by
    /// `maxConnections`.
    private var perAddress: [String: Int] = [:]

    public init(maxConnections: Int, maxConnectionsPerAddress: Int) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }

    public func openConnections(from address: String) -> Int {
        perAddress[address] ?? 0
    }

    /// Counts a connection from `address` in, or returns why it may not open (and counts
    /// nothing). A nil address (a trusted proxy, whose clients are counted elsewhere) counts in
    /// the process total only.
    public mutating func admit(address: String?) -> Refusal? {
        guard openConnections < maxConnections else { return .process }
        if let address {
            let fromAddress = perAddress[address] ?? 0
            guard fromAddress < maxConnectionsPerAddress else { return .address }
            perAddress[address] = fromAddress + 1
        }
        openConnections += 1
        return nil
    }

    /// An admitted connection from `address` closed.
    public mutating func release(address: String?) {
        if let address {
            guard let fromAddress = perAddress[address] else { return }
            perAddress[address] = fromAddress > 1 ? fromAddress - 1 : nil
        }
        openConnections = max(0, openConnections - 1)
    }
}
