public import NIOCore

/// A message ready to be written: its JSON and, for messages shared by many connections, the
/// prebuilt WebSocket frame and SSE `data:` line.
public struct OutboundMessage {
    /// The message's `type` (the SSE `event:` name).
    public var type: StaticString
    public var json: ByteBuffer
    public var frame: ByteBuffer?
    public var sseData: ByteBuffer?
    /// Snapshots and events carry the cursor on SSE (`id:`).
    public var carriesCursor: Bool

    /// A message of `type`; `frame` and `sseData` when they were built once for many connections.
    public init(type: StaticString, json: ByteBuffer, frame: ByteBuffer? = nil, sseData: ByteBuffer? = nil, carriesCursor: Bool = false) {
        self.type = type
        self.json = json
        self.frame = frame
        self.sseData = sseData
        self.carriesCursor = carriesCursor
    }
}

/// Where a session's messages go: a WebSocket or an SSE response. Bound to the connection's
/// event loop; writes are not flushed until `flush()`.
public protocol SessionTransport: AnyObject {
    /// Whether the socket accepts more data now (below the high water mark).
    var isWritable: Bool { get }
    /// Bytes written but not yet taken by the socket.
    var queuedBytes: Int { get }
    /// SSE: snapshots and events carry an `id:` cursor.
    var wantsCursor: Bool { get }
    /// Writes one message (not flushed); returns the bytes written.
    @discardableResult
    func write(_ message: OutboundMessage, cursor: String?) -> Int
    /// WebSocket: writes a prebuilt frame as it is (not flushed); returns its size.
    func writeFrame(_ frame: ByteBuffer) -> Int
    func flush()
    /// WebSocket: a ping frame (SSE: nothing).
    func ping()
    /// Ends the connection: WebSocket close frame with `code`; SSE: ends the response.
    func close(code: UInt16, reason: String)
    /// Shutdown: `goaway` (SSE: preceded by `retry:`), then close 1001 / end of the response.
    func goAway(_ message: OutboundMessage, retryAfterMs: Int)
}

extension Channel {
    /// Bytes written to the channel and not yet taken by its socket (call on its event loop).
    var queuedBytes: Int {
        (try? syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
    }
}
