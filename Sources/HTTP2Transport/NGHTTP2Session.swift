internal import CNGHTTP2
internal import NIOCore

/// Events of an nghttp2 session, delivered while `receive` runs (from inside nghttp2's callbacks).
///
/// A delegate may submit frames (responses, data, trailers, resets) from these methods, but must
/// never ask the session to receive or send: nghttp2 forbids re-entering `mem_recv`/`mem_send`.
protocol NGHTTP2SessionDelegate: AnyObject {
    func sessionDidReceiveHeaders(streamID: Int32, headers: HTTP2ReceivedHeaders, endStream: Bool)
    func sessionDidReceiveData(streamID: Int32, bytes: UnsafeRawBufferPointer)
    func sessionDidReceiveEndStream(streamID: Int32)
    func sessionDidCloseStream(streamID: Int32, errorCode: HTTP2ErrorCode)
    func sessionDidReceiveGoAway(lastStreamID: Int32, errorCode: HTTP2ErrorCode)
    func sessionDidReceivePingAck()
    /// A response head or trailers could not be sent; the stream is being reset.
    func sessionDidFailToSendHeaders(streamID: Int32, reason: String)
}

/// Owns one `nghttp2_session` and turns its C callbacks into Swift calls.
///
/// nghttp2 does no I/O here: bytes go in through `receive` (`nghttp2_session_mem_recv`) and come
/// out of `send` (`nghttp2_session_mem_send`); the NIO handler that owns this object moves them
/// to and from the socket. Outbound DATA for each stream is queued here and handed to nghttp2 by
/// the data-provider read callback, which nghttp2 calls only while the peer's flow-control
/// windows allow; a stream with nothing queued is parked (`NGHTTP2_ERR_DEFERRED`) and resumed
/// when data arrives. Inbound DATA is acknowledged to the peer (WINDOW_UPDATE) only when the
/// application says it consumed it, so a slow consumer pushes back on the peer.
///
/// Bound to one event loop: every method must be called on it.
final class NGHTTP2Session {
    enum Role {
        case server
        case client
    }

    private enum Ending {
        case endStream
        case trailers(HTTP2Headers)
    }

    /// Outbound DATA waiting for flow-control window, per stream.
    private final class OutboundQueue {
        /// Chunks from `head` on are unsent. (An array with a moving head rather than a ring
        /// buffer: most streams carry a single message, and an empty array allocates nothing.)
        var chunks: [ByteBuffer] = []
        var head = 0
        var pendingBytes = 0
        var deferred = false
        var ending: Ending?
        var drainWaiter = false
    }

    private var session: OpaquePointer?
    private var outbound = StreamMap<OutboundQueue>()
    /// The header block being received (nghttp2 delivers one block at a time, CONTINUATIONs
    /// included), reused from block to block, held up to SETTINGS_MAX_HEADER_LIST_SIZE.
    private let headerBlock: HTTP2ReceivedHeaders
    private var headerBlockStream: Int32 = 0
    /// Streams whose queue fell under the low-water mark while nghttp2 read from it.
    private var drainedStreams: [Int32] = []
    /// Error text nghttp2 reported for the connection (for logs).
    private(set) var lastError: String?
    /// DATA bytes queued on all streams and not yet taken by nghttp2.
    private(set) var pendingOutboundBytes = 0
    /// Streams the peer opened that are open now, and how many it ever opened (the idle check
    /// compares the latter). Counted for a server only.
    private(set) var openStreamCount = 0
    private(set) var streamsOpened = 0
    /// Whether the peer's first SETTINGS frame arrived (after its preface, for a server).
    private(set) var receivedPeerSettings = false
    /// The payload of our PINGs: random, so that a peer that does not read cannot acknowledge
    /// them blindly.
    private let pingPayload = UInt64.random(in: 1...UInt64.max)

    /// The connection that owns this session. Not `weak`: a weakly referenced object gets a
    /// side table that makes every retain and release of it slower, and the owner outlives the
    /// session by construction (it holds the only reference to it).
    unowned(unsafe) var delegate: (any NGHTTP2SessionDelegate)?
    let role: Role
    /// A stream whose queue falls to this many bytes after being above it is reported as drained.
    let outboundLowWaterMark: Int

    init(role: Role, settings: HTTP2Settings) {
        self.role = role
        self.outboundLowWaterMark = settings.outboundBufferLowWaterMark
        self.headerBlock = HTTP2ReceivedHeaders(sizeLimit: Int(settings.maxHeaderListSize))

        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.registerCallbacks(callbacks)

        var option: OpaquePointer?
        nghttp2_option_new(&option)
        defer { nghttp2_option_del(option) }
        // The application acknowledges inbound DATA itself (`consume`): that is our backpressure.
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_send_header_block_length(option, 64 * 1024)
        if role == .client {
            nghttp2_option_set_peer_max_concurrent_streams(option, 100)
        }
        // PING and SETTINGS acknowledgements held for a peer that does not read: past this
        // nghttp2 fails with NGHTTP2_ERR_FLOODED, and the connection answers ENHANCE_YOUR_CALM.
        nghttp2_option_set_max_outbound_ack(option, max(1, settings.maxQueuedControlFrames))
        // Debian's nghttp2 1.52 carries the rapid-reset (CVE-2023-44487) rate limit and the
        // CONTINUATION limit (CVE-2024-28182, 8 frames), both on by default; they are
        // deliberately left as they are. nghttp2 does not enforce the header list size it
        // advertises: `HTTP2ReceivedHeaders` does.

        let userData = Unmanaged.passUnretained(self).toOpaque()
        let result: Int32
        switch role {
        case .server: result = nghttp2_session_server_new2(&session, callbacks, userData, option)
        case .client: result = nghttp2_session_client_new2(&session, callbacks, userData, option)
        }
        precondition(result == 0 && session != nil, "nghttp2_session_new failed: \(result)")
    }

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: Input and output

    /// Feeds received bytes to nghttp2. Throws on a fatal connection error; nghttp2 has then
    /// queued a GOAWAY, which `send` still returns.
    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let result = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if result < 0 {
            throw HTTP2SessionError(code: Int(result), message: Self.errorString(Int32(result)))
        }
    }

    /// Appends what nghttp2 wants to send to `buffer`, up to about `limit` bytes. Returns false
    /// when nghttp2 has nothing more to send right now.
    func send(into buffer: inout ByteBuffer, limit: Int) throws -> Bool {
        while buffer.readableBytes < limit {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 {
                throw HTTP2SessionError(code: count, message: Self.errorString(Int32(count)))
            }
            guard count > 0, let data else { return false }
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
        return true
    }

    var wantsRead: Bool { nghttp2_session_want_read(session) != 0 }
    var wantsWrite: Bool { nghttp2_session_want_write(session) != 0 }

    /// Streams whose outbound queue drained since the last call.
    func takeDrainedStreams() -> [Int32] {
        defer { drainedStreams.removeAll(keepingCapacity: true) }
        return drainedStreams
    }

    // MARK: Submitting frames

    func submitSettings(_ settings: HTTP2Settings) {
        var entries = [
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(settings.initialStreamWindowSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: settings.maxHeaderListSize),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: settings.maxFrameSize),
        ]
        if role == .client {
            entries.append(nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0))
        }
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), entries, entries.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindowSize)
    }

    /// Sends response headers. With `hasBody`, DATA follows from `enqueue` until `finish`;
    /// without, the headers end the stream (a Trailers-Only response or a bodiless error).
    func submitResponse(streamID: Int32, headers: HTTP2Headers, hasBody: Bool) -> Bool {
        if hasBody {
            outbound[streamID] = OutboundQueue()
        }
        let result = Self.withNameValues(headers) { nva, count in
            if hasBody {
                var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: Self.readCallback)
                return nghttp2_submit_response(session, streamID, nva, count, &provider)
            }
            return nghttp2_submit_response(session, streamID, nva, count, nil)
        }
        if result != 0 {
            outbound.removeValue(forKey: streamID)
        }
        return result == 0
    }

    /// Opens a client stream: request headers, then DATA from `enqueue` until `finish`.
    /// Returns the new stream's id, or nil if no stream can be opened (ids exhausted, GOAWAY).
    func submitRequest(headers: HTTP2HeaderList) -> Int32? {
        let streamID = Self.withNameValues(.list(headers)) { nva, count in
            var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: Self.readCallback)
            return nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        guard streamID > 0 else { return nil }
        outbound[streamID] = OutboundQueue()
        return streamID
    }

    /// Queues DATA for a stream. Returns the bytes now queued for it (for backpressure).
    @discardableResult
    func enqueue(streamID: Int32, _ buffer: ByteBuffer) -> Int {
        guard let queue = outbound[streamID], queue.ending == nil else { return 0 }
        queue.pendingBytes += buffer.readableBytes
        pendingOutboundBytes += buffer.readableBytes
        if queue.head == queue.chunks.count {
            queue.chunks.removeAll(keepingCapacity: true)
            queue.head = 0
        }
        queue.chunks.append(buffer)
        resumeIfDeferred(streamID, queue)
        return queue.pendingBytes
    }

    /// Bytes queued for a stream and not yet taken by nghttp2.
    func pendingOutboundBytes(streamID: Int32) -> Int {
        outbound[streamID]?.pendingBytes ?? 0
    }

    /// Asks to be told (through `takeDrainedStreams`) when the stream's queue drains.
    func notifyWhenDrained(streamID: Int32) {
        if let queue = outbound[streamID] { queue.drainWaiter = true }
    }

    /// Ends a stream's DATA: with trailers (gRPC status) or with END_STREAM on the last DATA.
    func finish(streamID: Int32, trailers: HTTP2Headers?) {
        guard let queue = outbound[streamID], queue.ending == nil else { return }
        queue.ending = trailers.map { .trailers($0) } ?? .endStream
        resumeIfDeferred(streamID, queue)
    }

    func resetStream(streamID: Int32, errorCode: HTTP2ErrorCode) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode.rawValue)
    }

    /// Tells nghttp2 the application has consumed `count` bytes of the stream's DATA, so it may
    /// open the flow-control windows again.
    func consume(streamID: Int32, count: Int) {
        guard count > 0 else { return }
        if nghttp2_session_consume(session, streamID, count) != 0 {
            // The stream is gone; the connection window still needs the credit.
            nghttp2_session_consume_connection(session, count)
        }
    }

    /// Gives connection-level credit back for DATA of a stream that closed before the
    /// application consumed it.
    func consumeConnection(count: Int) {
        guard count > 0 else { return }
        nghttp2_session_consume_connection(session, count)
    }

    func submitPing() {
        var opaque = pingPayload
        withUnsafeBytes(of: &opaque) { bytes in
            _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// First step of a graceful shutdown: a GOAWAY with the maximum stream id, so the peer
    /// stops opening streams while those in flight continue.
    func submitShutdownNotice() {
        nghttp2_submit_shutdown_notice(session)
    }

    /// Ends the session because the peer broke a limit: GOAWAY with `errorCode`, after which
    /// nghttp2 sends no more DATA (the peer may not be reading it) and wants to close.
    func terminate(errorCode: HTTP2ErrorCode) {
        nghttp2_session_terminate_session(session, errorCode.rawValue)
    }

    /// Final GOAWAY: streams above the last one processed will not be handled.
    func submitGoAway(errorCode: HTTP2ErrorCode) {
        let last = nghttp2_session_get_last_proc_stream_id(session)
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, errorCode.rawValue, nil, 0)
    }

    var hasActiveStreams: Bool {
        !outbound.isEmpty
    }

    private func streamOpened() {
        openStreamCount += 1
        streamsOpened &+= 1
    }

    private func resumeIfDeferred(_ streamID: Int32, _ queue: OutboundQueue) {
        if queue.deferred {
            queue.deferred = false
            nghttp2_session_resume_data(session, streamID)
        }
    }

    // MARK: Callbacks

    /// Runs a callback's body with the session its user data points to. nghttp2 calls back only
    /// from inside a call on the session, which holds it alive, so no reference count is taken.
    private static func withSession<Result>(_ userData: UnsafeMutableRawPointer?, _ body: (NGHTTP2Session) -> Result) -> Result {
        Unmanaged<NGHTTP2Session>.fromOpaque(userData!)._withUnsafeGuaranteedRef(body)
    }

    private static func registerCallbacks(_ callbacks: OpaquePointer?) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            NGHTTP2Session.withSession(userData) { session in
                session.headerBlock.removeAll()
                session.headerBlockStream = frame.pointee.hd.stream_id
                if session.role == .server && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
                    // nghttp2 has opened the stream: its close callback will follow.
                    session.streamOpened()
                }
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame else { return 0 }
            NGHTTP2Session.withSession(userData) { session in
                guard frame.pointee.hd.stream_id == session.headerBlockStream else { return }
                session.headerBlock.append(
                    name: UnsafeRawBufferPointer(start: name, count: nameLength),
                    value: UnsafeRawBufferPointer(start: value, count: valueLength)
                )
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            NGHTTP2Session.withSession(userData) { $0.didReceiveFrame(frame) }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            NGHTTP2Session.withSession(userData) { session in
                session.delegate?.sessionDidReceiveData(streamID: streamID, bytes: UnsafeRawBufferPointer(start: data, count: length))
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            NGHTTP2Session.withSession(userData) { session in
                if session.role == .server { session.openStreamCount -= 1 }
                if let queue = session.outbound.removeValue(forKey: streamID) {
                    session.pendingOutboundBytes -= queue.pendingBytes
                }
                if session.headerBlockStream == streamID {
                    session.headerBlock.removeAll()
                    session.headerBlockStream = 0
                }
                session.delegate?.sessionDidCloseStream(streamID: streamID, errorCode: HTTP2ErrorCode(rawValue: errorCode))
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks) { _, frame, errorCode, userData in
            guard let frame else { return 0 }
            NGHTTP2Session.withSession(userData) { $0.didNotSendFrame(frame, errorCode: errorCode) }
            return 0
        }
        nghttp2_session_callbacks_set_error_callback2(callbacks) { _, _, message, length, userData in
            guard let message else { return 0 }
            NGHTTP2Session.withSession(userData) { session in
                session.lastError = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
            }
            return 0
        }
    }

    private func didReceiveFrame(_ frame: UnsafePointer<nghttp2_frame>) {
        let header = frame.pointee.hd
        let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(header.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard header.stream_id == headerBlockStream else { return }
            delegate?.sessionDidReceiveHeaders(streamID: header.stream_id, headers: headerBlock, endStream: endStream)
            // The delegate reads the block during the call; the storage is reused.
            headerBlock.removeAll()
            headerBlockStream = 0
        case NGHTTP2_DATA.rawValue:
            if endStream {
                delegate?.sessionDidReceiveEndStream(streamID: header.stream_id)
            }
        case NGHTTP2_GOAWAY.rawValue:
            delegate?.sessionDidReceiveGoAway(
                lastStreamID: frame.pointee.goaway.last_stream_id,
                errorCode: HTTP2ErrorCode(rawValue: frame.pointee.goaway.error_code)
            )
        case NGHTTP2_PING.rawValue:
            if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 {
                let payload = withUnsafeBytes(of: frame.pointee.ping.opaque_data) { $0.loadUnaligned(as: UInt64.self) }
                if payload == pingPayload {
                    delegate?.sessionDidReceivePingAck()
                }
            }
        case NGHTTP2_SETTINGS.rawValue:
            if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 {
                receivedPeerSettings = true
            }
        default:
            break
        }
    }

    /// nghttp2 could not send a frame (a header block over `max_send_header_block_length`, a
    /// stream already closed). nghttp2 closes a stream whose request HEADERS failed itself; a
    /// stream whose response head or trailers failed would stay open with both ends waiting,
    /// so it is reset: the peer's call fails and ours learns through the close callback.
    private func didNotSendFrame(_ frame: UnsafePointer<nghttp2_frame>, errorCode: Int32) {
        let header = frame.pointee.hd
        guard UInt32(header.type) == NGHTTP2_HEADERS.rawValue, frame.pointee.headers.cat != NGHTTP2_HCAT_REQUEST else { return }
        failedToSendHeaders(streamID: header.stream_id, reason: Self.errorString(errorCode))
    }

    /// Resets a stream whose response head or trailers cannot go out.
    private func failedToSendHeaders(streamID: Int32, reason: String) {
        delegate?.sessionDidFailToSendHeaders(streamID: streamID, reason: reason)
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, HTTP2ErrorCode.internalError.rawValue)
    }

    private static let readCallback: nghttp2_data_source_read_callback = { _, streamID, buffer, length, flags, _, userData in
        guard let buffer, let flags else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        return NGHTTP2Session.withSession(userData) { $0.readOutbound(streamID: streamID, into: buffer, length: length, flags: flags) }
    }

    private func readOutbound(
        streamID: Int32,
        into destination: UnsafeMutablePointer<UInt8>,
        length: Int,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard let queue = outbound[streamID] else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        let before = queue.pendingBytes
        var copied = 0
        while copied < length, queue.head < queue.chunks.count {
            let index = queue.head
            let take = min(length - copied, queue.chunks[index].readableBytes)
            queue.chunks[index].withUnsafeReadableBytes { source in
                (destination + copied).update(from: source.baseAddress!.assumingMemoryBound(to: UInt8.self), count: take)
            }
            queue.chunks[index].moveReaderIndex(forwardBy: take)
            if queue.chunks[index].readableBytes == 0 {
                // Release the sent chunk now; compact once the dead prefix dominates.
                queue.chunks[index] = ByteBuffer()
                queue.head += 1
                if queue.head >= 32 && queue.head * 2 >= queue.chunks.count {
                    queue.chunks.removeFirst(queue.head)
                    queue.head = 0
                }
            }
            copied += take
        }
        queue.pendingBytes -= copied
        pendingOutboundBytes -= copied
        if queue.drainWaiter && before > outboundLowWaterMark && queue.pendingBytes <= outboundLowWaterMark {
            queue.drainWaiter = false
            drainedStreams.append(streamID)
        }
        if queue.pendingBytes == 0, let ending = queue.ending {
            switch ending {
            case .endStream:
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            case .trailers(let trailers):
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                let submitted = Self.withNameValues(trailers) { nva, count in
                    nghttp2_submit_trailer(session, streamID, nva, count)
                }
                if submitted != 0 {
                    failedToSendHeaders(streamID: streamID, reason: Self.errorString(submitted))
                }
            }
            outbound.removeValue(forKey: streamID)
            return copied
        }
        if copied == 0 {
            queue.deferred = true
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        return copied
    }

    // MARK: Helpers

    /// Lays header names and values out in one buffer and calls `body` with nghttp2_nv entries
    /// pointing into it (nghttp2 copies them during the submit call).
    /// Calls `body` with nghttp2_nv entries for the headers (nghttp2 copies them during the
    /// submit call). A prebuilt block without extras is used as it is, with no allocation.
    private static func withNameValues<Result>(
        _ headers: HTTP2Headers,
        _ body: (UnsafePointer<nghttp2_nv>, Int) -> Result
    ) -> Result {
        switch headers {
        case .prebuilt(let block, let extra) where extra.isEmpty:
            return body(block.nameValues, block.count)
        case .prebuilt(let block, let extra):
            return withNameValues(block.headers + extra, body)
        case .list(let list):
            return withNameValues(list, body)
        }
    }

    private static func withNameValues<Result>(
        _ headers: HTTP2HeaderList,
        _ body: (UnsafePointer<nghttp2_nv>, Int) -> Result
    ) -> Result {
        let block = HeaderStorage(headers)
        defer { block.deallocate() }
        return body(block.nameValues, block.count)
    }

    static func errorString(_ code: Int32) -> String {
        String(cString: nghttp2_strerror(code))
    }
}

/// A fatal error of an HTTP/2 session (the connection is closed after it).
struct HTTP2SessionError: Error, CustomStringConvertible {
    let code: Int
    let message: String

    /// The peer made nghttp2 queue more acknowledgements than allowed (a PING/SETTINGS flood).
    var isFlood: Bool { code == Int(NGHTTP2_ERR_FLOODED.rawValue) }

    var description: String { "nghttp2 error \(code): \(message)" }
}
