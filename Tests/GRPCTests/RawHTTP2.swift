import CNGHTTP2
import Glibc

/// An HTTP/2 client driven by hand over a loopback socket (or one end of a socket pair), for
/// hostile-input tests: it sends exactly the bytes a test builds (no flow control, no automatic
/// ACKs) and parses what comes back into frames, decoding header blocks with nghttp2's HPACK
/// inflater.
final class RawHTTP2Client {
    struct Frame: CustomStringConvertible {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]
        /// A HEADERS frame's fields, decoded as the frame arrived (HPACK state is per
        /// connection, so every block is decoded, in order).
        var headers: [(String, String)] = []

        static let data: UInt8 = 0, headers: UInt8 = 1, rstStream: UInt8 = 3, settings: UInt8 = 4
        static let ping: UInt8 = 6, goAway: UInt8 = 7, windowUpdate: UInt8 = 8, continuation: UInt8 = 9

        /// The error code of a RST_STREAM or GOAWAY.
        var errorCode: UInt32? {
            switch type {
            case Self.rstStream where payload.count >= 4: RawHTTP2Client.uint32(payload, at: 0)
            case Self.goAway where payload.count >= 8: RawHTTP2Client.uint32(payload, at: 4)
            default: nil
            }
        }

        var description: String { "frame(type \(type), flags \(flags), stream \(stream), \(payload.count) bytes)" }
    }

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    let fd: Int32
    private let parser = HTTP2FrameParser()
    private(set) var isClosed = false

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(what: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw SocketError(what: "connect")
        }
    }

    /// A client on a connected descriptor it now owns (one end of a socket pair whose other end
    /// an in-process server serves).
    init(descriptor: Int32) {
        fd = descriptor
    }

    deinit {
        close(fd)
    }

    struct SocketError: Error {
        let what: String
    }

    /// Makes the kernel hold less for this socket, so that a server's writes back up sooner.
    func shrinkReceiveBuffer(to bytes: Int32) {
        var size = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    // MARK: Sending

    /// Sends everything; false once the server has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// The preface and a SETTINGS frame with these entries.
    func sendPreface(settings: [(id: UInt16, value: UInt32)] = []) {
        var payload: [UInt8] = []
        for (id, value) in settings {
            payload += [UInt8(id >> 8), UInt8(id & 0xFF)] + Self.bytes(of: value)
        }
        send(Self.preface + Self.frame(type: Frame.settings, flags: 0, stream: 0, payload: payload))
    }

    /// Preface and SETTINGS, then waits for the server's SETTINGS and acknowledges them.
    func handshake(settings: [(id: UInt16, value: UInt32)] = []) async -> Bool {
        sendPreface(settings: settings)
        guard await nextFrame(where: { $0.type == Frame.settings && $0.flags & 1 == 0 }) != nil else { return false }
        return send(Self.frame(type: Frame.settings, flags: 1, stream: 0, payload: []))
    }

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags] + bytes(of: stream & 0x7FFF_FFFF)
            + payload
    }

    /// A call opened on `stream` at `path` with `body` sent in DATA frames of at most 16,384
    /// bytes, without END_STREAM: the call stays open, its body unfinished or unread.
    static func openCall(stream: UInt32, path: String, body: [UInt8]) -> [UInt8] {
        var bytes = frame(type: Frame.headers, flags: 0x4, stream: stream, payload: requestHeaders(path: path))
        for chunk in stride(from: 0, to: body.count, by: 16_384) {
            bytes += frame(type: Frame.data, flags: 0, stream: stream, payload: Array(body[chunk..<min(chunk + 16_384, body.count)]))
        }
        return bytes
    }

    /// A gRPC request's header block (HPACK literals without indexing).
    static func requestHeaders(path: String, extra: [(String, String)] = []) -> [UInt8] {
        headerBlock(
            [
                (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "test"), ("content-type", "application/grpc"),
                ("te", "trailers"),
            ]
                + extra
        )
    }

    /// HPACK "literal header field without indexing, new name" for each header.
    static func headerBlock(_ headers: [(String, String)]) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in headers {
            block.append(0x00)
            block += hpackString(Array(name.utf8))
            block += hpackString(Array(value.utf8))
        }
        return block
    }

    /// HPACK "literal header field with incremental indexing, new name": the field enters the
    /// decoder's dynamic table (index 62 while it is the newest entry).
    static func indexedLiteral(name: String, value: String) -> [UInt8] {
        [0x40] + hpackString(Array(name.utf8)) + hpackString(Array(value.utf8))
    }

    static func hpackString(_ bytes: [UInt8]) -> [UInt8] {
        hpackInteger(bytes.count, prefixBits: 7, firstByte: 0) + bytes
    }

    static func hpackInteger(_ value: Int, prefixBits: Int, firstByte: UInt8) -> [UInt8] {
        let limit = (1 << prefixBits) - 1
        if value < limit { return [firstByte | UInt8(value)] }
        var out: [UInt8] = [firstByte | UInt8(limit)]
        var rest = value - limit
        while rest >= 128 {
            out.append(UInt8(rest & 0x7F | 0x80))
            rest >>= 7
        }
        out.append(UInt8(rest))
        return out
    }

    /// A gRPC length-prefixed message.
    static func grpcMessage(_ payload: [UInt8]) -> [UInt8] {
        [0] + bytes(of: UInt32(payload.count)) + payload
    }

    static func bytes(of value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    // MARK: Receiving

    /// The next frame, or nil when the connection closed or nothing came within `timeout`.
    func nextFrame(timeout: Duration = .seconds(10)) async -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = takeFrame() { return frame }
            if isClosed || ContinuousClock.now >= deadline { return nil }
            if !readAvailable() {
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    /// Skips frames until one matches.
    func nextFrame(timeout: Duration = .seconds(10), where matches: (Frame) -> Bool) async -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while let frame = await nextFrame(timeout: deadline - ContinuousClock.now) {
            if matches(frame) { return frame }
        }
        return nil
    }

    /// Reads until the server closes the connection; the frames it sent on the way.
    func framesUntilClosed(timeout: Duration = .seconds(10)) async -> (closed: Bool, frames: [Frame]) {
        let deadline = ContinuousClock.now + timeout
        var frames: [Frame] = []
        while let frame = await nextFrame(timeout: deadline - ContinuousClock.now) {
            frames.append(frame)
        }
        return (isClosed, frames)
    }

    /// What ended a stream: the gRPC status of its trailers, or a RST_STREAM code.
    struct StreamEnd {
        var headers: [(String, String)] = []
        var resetCode: UInt32?

        var grpcStatus: String? { headers.first { $0.0 == "grpc-status" }?.1 }
        var grpcMessage: String? { headers.first { $0.0 == "grpc-message" }?.1 }
    }

    /// Waits for the stream's final HEADERS (END_STREAM) or RST_STREAM.
    func streamEnd(_ stream: UInt32, timeout: Duration = .seconds(10)) async -> StreamEnd? {
        let deadline = ContinuousClock.now + timeout
        while let frame = await nextFrame(timeout: deadline - ContinuousClock.now) {
            guard frame.stream == stream else { continue }
            if frame.type == Frame.rstStream { return StreamEnd(resetCode: frame.errorCode) }
            if frame.type == Frame.headers && frame.flags & 1 != 0 {
                return StreamEnd(headers: frame.headers)
            }
        }
        return nil
    }

    /// The first `count` streams the server ends with trailers (HEADERS with END_STREAM), with
    /// their `grpc-status`; fewer when the connection goes quiet first.
    func streamsEnded(count: Int) async -> [(stream: UInt32, grpcStatus: String?)] {
        var ended: [(stream: UInt32, grpcStatus: String?)] = []
        while ended.count < count, let frame = await nextFrame(where: { $0.type == Frame.headers && $0.flags & 1 != 0 }) {
            ended.append((frame.stream, frame.headers.first { $0.0 == "grpc-status" }?.1))
        }
        return ended
    }

    private func takeFrame() -> Frame? {
        parser.next()
    }

    /// Reads what the socket has without blocking; false if nothing was there.
    private func readAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            parser.append(buffer[0..<count])
            return true
        }
        if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
            isClosed = true
        }
        return false
    }
}
