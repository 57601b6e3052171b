import CNGHTTP2

/// Splits bytes an HTTP/2 endpoint sent into frames, decoding header blocks with nghttp2's
/// HPACK inflater (its state is per connection, so every block is decoded, in order).
final class HTTP2FrameParser {
    private var received: [UInt8] = []
    private var inflater: OpaquePointer?

    init() {
        nghttp2_hd_inflate_new(&inflater)
    }

    deinit {
        nghttp2_hd_inflate_del(inflater)
    }

    func append(_ bytes: some Sequence<UInt8>) {
        received += bytes
    }

    /// Decodes a HEADERS frame's block (the server sends no CONTINUATION for small blocks).
    private func decodeHeaders(_ frame: RawHTTP2Client.Frame) -> [(String, String)] {
        var block = frame.payload[...]
        if frame.flags & 0x8 != 0, let padding = block.first { block = block.dropFirst().dropLast(Int(padding)) }
        if frame.flags & 0x20 != 0 { block = block.dropFirst(5) }
        var headers: [(String, String)] = []
        var input = Array(block)
        input.withUnsafeMutableBufferPointer { bytes in
            var offset = 0
            while true {
                var field = nghttp2_nv()
                var flags: Int32 = 0
                let consumed = nghttp2_hd_inflate_hd2(inflater, &field, &flags, bytes.baseAddress! + offset, bytes.count - offset, 1)
                if consumed < 0 { return }
                offset += consumed
                if flags & Int32(NGHTTP2_HD_INFLATE_EMIT.rawValue) != 0 {
                    headers.append(
                        (
                            String(decoding: UnsafeBufferPointer(start: field.name, count: field.namelen), as: UTF8.self),
                            String(decoding: UnsafeBufferPointer(start: field.value, count: field.valuelen), as: UTF8.self)
                        )
                    )
                }
                if flags & Int32(NGHTTP2_HD_INFLATE_FINAL.rawValue) != 0 {
                    nghttp2_hd_inflate_end_headers(inflater)
                    return
                }
                if consumed == 0 && flags & Int32(NGHTTP2_HD_INFLATE_EMIT.rawValue) == 0 { return }
            }
        }
        return headers
    }

    /// The next complete frame of what was appended, if there is one.
    func next() -> RawHTTP2Client.Frame? {
        guard received.count >= 9 else { return nil }
        let length = Int(received[0]) << 16 | Int(received[1]) << 8 | Int(received[2])
        guard received.count >= 9 + length else { return nil }
        var frame = RawHTTP2Client.Frame(
            type: received[3],
            flags: received[4],
            stream: RawHTTP2Client.uint32(received, at: 5) & 0x7FFF_FFFF,
            payload: Array(received[9..<(9 + length)])
        )
        received.removeFirst(9 + length)
        if frame.type == RawHTTP2Client.Frame.headers {
            frame.headers = decodeHeaders(frame)
        }
        return frame
    }
}
