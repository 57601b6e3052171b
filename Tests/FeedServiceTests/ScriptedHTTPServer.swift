import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that answers each request with the next scripted response
/// (and, once the script is used up, with the `afterwards` response), recording every request's
/// headers.
final class ScriptedHTTPServer: Sendable {
    /// One scripted answer.
    struct Reply: Sendable {
        var status: HTTPResponseStatus = .ok
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        /// Send only the first bytes of the body and close (a response cut in transit).
        var cutAfter: Int?

        static func json(_ body: [UInt8], etag: String? = nil, lastModified: String? = nil) -> Reply {
            var headers = [("Content-Type", "application/json")]
            if let etag { headers.append(("ETag", etag)) }
            if let lastModified { headers.append(("Last-Modified", lastModified)) }
            return Reply(headers: headers, body: body)
        }

        static let notModified = Reply(status: .notModified)
    }

    /// The script and what was asked, shared with the connection handlers.
    private final class Script: Sendable {
        private struct State {
            var replies: [Reply]
            var next = 0
            var requests: [HTTPHeaders] = []
        }

        private let state: Mutex<State>
        private let afterwards: Reply

        init(_ replies: [Reply], afterwards: Reply) {
            state = Mutex(State(replies: replies))
            self.afterwards = afterwards
        }

        var requests: [HTTPHeaders] { state.withLock { $0.requests } }
        var used: Int { state.withLock { $0.next } }

        func answer(_ headers: HTTPHeaders) -> Reply {
            state.withLock { state in
                state.requests.append(headers)
                guard state.next < state.replies.count else { return afterwards }
                defer { state.next += 1 }
                return state.replies[state.next]
            }
        }
    }

    private let script: Script
    private let channel: any Channel

    /// Starts a server answering with `script`, then with `afterwards`.
    init(script replies: [Reply], afterwards: Reply = .notModified) async throws {
        let script = Script(replies, afterwards: afterwards)
        self.script = script
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Handler(answer: { script.answer($0) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// The URL of the scoreboard.
    var url: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/scoreboard" }

    /// The headers of every request so far.
    var requests: [HTTPHeaders] { script.requests }

    /// How many scripted replies were used.
    var used: Int { script.used }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let answer: @Sendable (HTTPHeaders) -> Reply
        private var headers = HTTPHeaders()

        init(answer: @escaping @Sendable (HTTPHeaders) -> Reply) {
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                headers = head.headers
            case .body:
                break
            case .end:
                let reply = answer(headers)
                var responseHeaders = HTTPHeaders(reply.headers)
                responseHeaders.add(name: "Content-Length", value: "\(reply.body.count)")
                responseHeaders.add(name: "Connection", value: "close")
                let head = HTTPResponseHead(version: .http1_1, status: reply.status, headers: responseHeaders)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                let body = reply.cutAfter.map { Array(reply.body.prefix($0)) } ?? reply.body
                if !body.isEmpty {
                    context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
                }
                if reply.cutAfter != nil {
                    context.flush()
                    context.close(promise: nil)
                    return
                }
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
