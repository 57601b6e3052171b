import NIOCore
import NIOHTTP1

/// An SSE response as a session's transport (§10): every message is `event: <type>`, for
/// snapshots and events an `id: <cursor>`, and `data: <json>`; shutdown sends `retry:` and
/// `goaway`, then ends the response.
final class SSEStream: SessionTransport {
    private let context: ChannelHandlerContext
    private(set) var writable: Bool
    private var ended = false

    init(context: ChannelHandlerContext) {
        self.context = context
        self.writable = context.channel.isWritable
    }

    func writabilityChanged(_ isWritable: Bool) {
        writable = isWritable
    }

    var isWritable: Bool { writable }
    var wantsCursor: Bool { true }
    var queuedBytes: Int { context.channel.queuedBytes }

    /// The first bytes of the stream: the browser's reconnect delay.
    func writeRetry(milliseconds: Int) {
        var buffer = context.channel.allocator.buffer(capacity: 16)
        buffer.writeString("retry: \(milliseconds)\n\n")
        writeBody(buffer)
    }

    func write(_ message: OutboundMessage, cursor: String?) -> Int {
        guard !ended else { return 0 }
        var buffer = context.channel.allocator.buffer(capacity: message.json.readableBytes + 32 + (cursor?.utf8.count ?? 0))
        Self.encode(message, cursor: cursor, into: &buffer)
        let count = buffer.readableBytes
        writeBody(buffer)
        return count
    }

    /// Not used: sessions on SSE always write messages (with their cursor).
    func writeFrame(_ frame: ByteBuffer) -> Int { 0 }

    static func encode(_ message: OutboundMessage, cursor: String?, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("event: ")
        buffer.writeStaticString(message.type)
        buffer.writeStaticString("\n")
        if let cursor, !cursor.isEmpty {
            buffer.writeStaticString("id: ")
            buffer.writeString(cursor)
            buffer.writeStaticString("\n")
        }
        if var data = message.sseData {
            buffer.writeBuffer(&data)
        } else {
            var json = message.json
            buffer.writeStaticString("data: ")
            buffer.writeBuffer(&json)
            buffer.writeStaticString("\n\n")
        }
    }

    func flush() {
        context.flush()
    }

    func ping() {}

    func close(code: UInt16, reason: String) {
        end()
    }

    func goAway(_ message: OutboundMessage, retryAfterMs: Int) {
        guard !ended else { return }
        writeRetry(milliseconds: retryAfterMs)
        _ = write(message, cursor: nil)
        end()
    }

    private func writeBody(_ buffer: ByteBuffer) {
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
    }

    private func end() {
        guard !ended else { return }
        ended = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension SSEStream: Sendable {}
