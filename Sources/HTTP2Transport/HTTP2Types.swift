public import NIOCore

/// Header fields of one HEADERS block, in order, names lower-case.
public typealias HTTP2HeaderList = [(name: String, value: String)]

/// HTTP/2 error codes (RFC 9113 §7), as sent in RST_STREAM and GOAWAY.
public struct HTTP2ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let noError = Self(rawValue: 0x0)
    public static let protocolError = Self(rawValue: 0x1)
    public static let internalError = Self(rawValue: 0x2)
    public static let flowControlError = Self(rawValue: 0x3)
    public static let streamClosed = Self(rawValue: 0x5)
    public static let refusedStream = Self(rawValue: 0x7)
    public static let cancel = Self(rawValue: 0x8)
    public static let enhanceYourCalm = Self(rawValue: 0xB)

    public var description: String {
        switch rawValue {
        case 0x0: "NO_ERROR"
        case 0x1: "PROTOCOL_ERROR"
        case 0x2: "INTERNAL_ERROR"
        case 0x3: "FLOW_CONTROL_ERROR"
        case 0x4: "SETTINGS_TIMEOUT"
        case 0x5: "STREAM_CLOSED"
        case 0x6: "FRAME_SIZE_ERROR"
        case 0x7: "REFUSED_STREAM"
        case 0x8: "CANCEL"
        case 0x9: "COMPRESSION_ERROR"
        case 0xA: "CONNECT_ERROR"
        case 0xB: "ENHANCE_YOUR_CALM"
        case 0xC: "INADEQUATE_SECURITY"
        case 0xD: "HTTP_1_1_REQUIRED"
        default: "ERROR_\(rawValue)"
        }
    }
}

/// What one side of a connection announces, how much it buffers, and how long it waits.
///
/// Every number here is a budget against a hostile peer: together they bound what one connection
/// can make this process hold (see `GRPCServer.Configuration` for the request side).
public struct HTTP2Settings: Sendable, Hashable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS we allow the peer to open (nghttp2 refuses streams beyond
    /// it with RST_STREAM REFUSED_STREAM).
    public var maxConcurrentStreams: UInt32 = 100
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much a peer may send on one stream before we consume it.
    public var initialStreamWindowSize: Int32 = 1 << 20
    /// The connection-level receive window: bounds what all streams together may have in flight
    /// towards us and unread.
    public var connectionWindowSize: Int32 = 16 << 20
    public var maxFrameSize: UInt32 = 1 << 14
    /// SETTINGS_MAX_HEADER_LIST_SIZE, and enforced: a header block whose fields add up to more
    /// (RFC 9113 §6.5.2: name + value + 32 bytes per field) is not stored, and its stream is
    /// refused. The decoder keeps decoding it, so the HPACK state stays in sync.
    public var maxHeaderListSize: UInt32 = 16 << 10
    /// A writer waits once its stream has this many bytes queued and unsent (flow control or a
    /// slow socket), and resumes when the queue falls to `outboundBufferLowWaterMark`.
    public var outboundBufferHighWaterMark: Int = 256 << 10
    public var outboundBufferLowWaterMark: Int = 64 << 10
    /// Bytes of DATA all streams of the connection may have queued for a peer that does not read
    /// (or does not open its flow-control windows). Streaming writers wait at the per-stream
    /// high-water mark, so only responses that cannot wait go past it; beyond it the connection
    /// ends with GOAWAY ENHANCE_YOUR_CALM.
    public var maxQueuedOutboundBytes: Int = 32 << 20
    /// SETTINGS and PING acknowledgements nghttp2 may hold for a peer that does not read them
    /// (a PING or SETTINGS flood); beyond it the connection ends with GOAWAY ENHANCE_YOUR_CALM.
    public var maxQueuedControlFrames: Int = 256
    /// A server connection must send the HTTP/2 preface and its first SETTINGS within this
    /// time, or it is closed. nil: no deadline (clients).
    public var prefaceTimeout: TimeAmount? = nil
    /// A connection with no open stream for this long is closed with GOAWAY NO_ERROR (it may
    /// close up to twice as late: the check runs once per period). nil: never.
    public var idleTimeout: TimeAmount? = nil

    public init() {}
}
