import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 that answers each request with raw bytes, as a hostile or broken
/// provider would: bodies cut short, chunked bodies without their last chunk, slow drips, heads of
/// any size, redirects anywhere. It reads a request's head, asks `respond` for the steps to play
/// for its target ("/a?b"), plays them, and closes the connection unless told to hold it.
final class RawHTTPServer: Sendable {
    /// One thing to do on a connection.
    enum Step: Sendable {
        /// Write these bytes (and flush).
        case send([UInt8])
        /// Wait before the next step.
        case pause(Duration)
        /// Keep the connection open until the client closes it.
        case hold
    }

    /// The request targets, shared with the connection handlers.
    private final class Log: Sendable {
        private let targets = Mutex<[String]>([])
        func append(_ target: String) { targets.withLock { $0.append(target) } }
        var all: [String] { targets.withLock { $0 } }
    }

    private let channel: any Channel
    private let log = Log()

    /// Starts a server answering with `respond(target)`.
    init(_ respond: @escaping @Sendable (String) -> [Step]) async throws {
        let log = self.log
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Handler { target in
                            log.append(target)
                            return respond(target)
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// The server's port.
    var port: Int { channel.localAddress?.port ?? 0 }

    /// The URL of `path` on this server, by address or by another name of the same host.
    func url(_ path: String, host: String = "127.0.0.1") -> String { "http://\(host):\(port)\(path)" }

    /// The request targets so far, in order.
    var requested: [String] { log.all }

    func stop() async {
        try? await channel.close()
    }

    /// The bytes of a response head: status line, headers, blank line.
    static func head(_ status: String = "200 OK", _ headers: [(String, String)]) -> [UInt8] {
        Array(("HTTP/1.1 \(status)\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n").utf8)
    }

    /// A whole response with a Content-Length.
    static func response(_ status: String = "200 OK", headers: [(String, String)] = [], body: [UInt8]) -> [Step] {
        [.send(head(status, headers + [("Content-Length", "\(body.count)")]) + body)]
    }

    /// A redirect to `location`.
    static func redirect(_ location: String, status: String = "302 Found") -> [Step] {
        response(status, headers: [("Location", location)], body: [])
    }

    /// `body` as HTTP/1.1 chunks of `size` bytes, with or without the last (empty) chunk.
    static func chunked(_ body: [UInt8], size: Int = 1_000, last: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        var offset = 0
        while offset < body.count {
            let end = min(offset + size, body.count)
            bytes += Array("\(String(end - offset, radix: 16))\r\n".utf8) + body[offset..<end] + Array("\r\n".utf8)
            offset = end
        }
        if last { bytes += Array("0\r\n\r\n".utf8) }
        return bytes
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let respond: @Sendable (String) -> [Step]
        private var received: [UInt8] = []
        private var answered = false

        init(respond: @escaping @Sendable (String) -> [Step]) {
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            var buffer = unwrapInboundIn(data)
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
            guard let end = Self.endOfHead(received) else { return }
            answered = true
            let requestLine = String(decoding: received[..<end].prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
            let parts = requestLine.split(separator: " ")
            play(respond(parts.count > 1 ? String(parts[1]) : "/")[...], context: context)
        }

        private func play(_ steps: ArraySlice<Step>, context: ChannelHandlerContext) {
            guard let step = steps.first else {
                context.close(promise: nil)
                return
            }
            let rest = steps.dropFirst()
            switch step {
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                play(rest, context: context)
            case .pause(let wait):
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: TimeAmount(wait)) {
                    let (handler, context) = loopBound.value
                    guard context.channel.isActive else { return }
                    handler.play(rest, context: context)
                }
            case .hold:
                return
            }
        }

        private static func endOfHead(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4)
            where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index
            }
            return nil
        }
    }
}
