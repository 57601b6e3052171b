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

/// What one side of a connection announces and how much it buffers.
public struct HTTP2Settings: Sendable, Hashable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS we allow the peer to open.
    public var maxConcurrentStreams: UInt32 = 1024
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much a peer may send on one stream before we consume it.
    public var initialStreamWindowSize: Int32 = 1 << 20
    /// The connection-level receive window: bounds what all streams together may have in flight
    /// towards us and unread.
    public var connectionWindowSize: Int32 = 16 << 20
    public var maxFrameSize: UInt32 = 1 << 14
    public var maxHeaderListSize: UInt32 = 64 << 10
    /// A writer waits once its stream has this many bytes queued and unsent (flow control or a
    /// slow socket), and resumes when the queue falls to `outboundBufferLowWaterMark`.
    public var outboundBufferHighWaterMark: Int = 256 << 10
    public var outboundBufferLowWaterMark: Int = 64 << 10

    public init() {}
}
