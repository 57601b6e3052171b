import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A small HTTP/1.1 GET client on SwiftNIO, with TLS from swift-nio-ssl for https.
///
/// Why not AsyncHTTPClient: the feed makes one GET every few seconds to one host, so it needs
/// neither connection pooling nor HTTP/2 nor streaming uploads; NIO, NIOHTTP1 and NIOSSL are
/// already in the package graph (NIOSSL through postgres-nio), whereas AsyncHTTPClient would add
/// seven packages to every build.
///
/// What it does: one connection per request (`Connection: close`); a deadline covering connect,
/// TLS handshake and the whole response, after which the request has failed, whatever arrived;
/// budgets for the response head and body; redirects as ``RedirectPolicy`` allows; cancellation
/// (closing the connection). A 2xx body is returned only when it is whole: its length declared
/// (Content-Length or chunked, decoded by NIOHTTP1) and every byte of it received. The body of
/// any other status is not read. No compression is requested, and none is accepted.
final class HTTPClient: Sendable {
    /// Why a request failed (the metric reason is `reason`).
    enum Failure: Error, Sendable, CustomStringConvertible {
        case timeout
        case connect(String)
        case tooLarge(String)
        case truncated(String)
        case invalidResponse(String)
        case io(String)
        case redirect(String)

        /// A short, fixed label for metrics.
        var reason: String {
            switch self {
            case .timeout: "timeout"
            case .connect: "connect"
            case .tooLarge: "too_large"
            case .truncated: "truncated"
            case .invalidResponse: "invalid_response"
            case .io: "io"
            case .redirect: "redirect"
            }
        }

        /// Whether trying again may help (the network's fault rather than the server's answer).
        var isTransient: Bool {
            switch self {
            case .timeout, .connect, .truncated, .io: true
            case .tooLarge, .invalidResponse, .redirect: false
            }
        }

        var description: String {
            switch self {
            case .timeout: "timed out (the deadline covers the whole response)"
            case .connect(let why): "cannot connect: \(why)"
            case .tooLarge(let what): "too large: \(what)"
            case .truncated(let what): "response cut short: \(what)"
            case .invalidResponse(let why): "unusable response: \(why)"
            case .io(let why): "connection failed: \(why)"
            case .redirect(let why): "redirect refused: \(why)"
            }
        }
    }

    /// What one GET may take and where it may lead.
    struct Limits: Sendable {
        /// Deadline of each request (each redirect gets a new one).
        var timeout: Duration
        /// Largest status line plus headers.
        var maximumHeadBytes: Int
        /// Largest body.
        var maximumBodyBytes: Int
        /// Which redirects are followed.
        var redirects: RedirectPolicy

        /// The response decoder's limits: the head budget for all headers, and for the trailers
        /// of a chunked body (``ResponseHeadBudget`` measures the head itself).
        var decoder: NIOHTTPDecoderLimitConfiguration {
            var configuration = NIOHTTPDecoderLimitConfiguration()
            configuration.maxHeaderFieldSize = maximumHeadBytes
            configuration.maxHeaderListSize = maximumHeadBytes
            return configuration
        }

        /// The limits of the polling settings.
        init(_ settings: PollingSettings) {
            timeout = settings.requestTimeout
            maximumHeadBytes = settings.maximumHeadBytes
            maximumBodyBytes = settings.maximumBodyBytes
            redirects = settings.redirects
        }
    }

    /// A response: status, headers and, for a 2xx, the whole body (empty otherwise).
    struct Response: Sendable {
        /// The status code (200, 304, …).
        var status: Int
        /// The response headers.
        var headers: HTTPHeaders
        /// The body.
        var body: [UInt8]
    }

    private let group: any EventLoopGroup
    private let tls: Result<NIOSSLContext, any Error>

    /// A client using the shared NIO event loops and the system's trust roots for TLS.
    init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        group = eventLoopGroup
        tls = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }
    }

    /// GETs `url`, following the redirects `limits` allow.
    /// - Parameter headers: request headers besides Host, Connection and User-Agent.
    func get(_ url: HTTPURL, headers: [(String, String)] = [], limits: Limits) async throws(Failure) -> Response {
        var visited = [url]
        while true {
            let current = visited[visited.count - 1]
            let response = try await getOnce(current, headers: headers, limits: limits)
            guard [301, 302, 303, 307, 308].contains(response.status) else { return response }
            do throws(RedirectPolicy.Refusal) {
                visited.append(try limits.redirects.target(of: response.headers["location"], from: current, visited: visited))
            } catch {
                throw .redirect("\(response.status) from \(current): \(error)")
            }
        }
    }

    private func getOnce(_ url: HTTPURL, headers: [(String, String)], limits: Limits) async throws(Failure) -> Response {
        var context: NIOSSLContext?
        if url.isTLS {
            switch tls {
            case .success(let created): context = created
            case .failure(let error): throw .connect("TLS is not available: \(error)")
            }
        }
        let decoderLimits = limits.decoder
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(limits.timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: url.host, port: url.port) { [context] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context {
                            let handler = try NIOSSLClientHandler(context: context, serverHostname: url.hostIsAddress ? nil : url.host)
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        let decoder = HTTPResponseDecoder(
                            leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .forward, limitConfiguration: decoderLimits)
                        try channel.pipeline.syncOperations.addHandlers([
                            ResponseHeadBudgetHandler(maximumBytes: limits.maximumHeadBytes),
                            HTTPRequestEncoder(),
                            ByteToMessageHandler(decoder),
                            NIOHTTPRequestHeadersValidator(),
                        ])
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw .timeout
        } catch {
            throw .connect("\(error)")
        }
        let expired = ExpiryFlag()
        let raw = channel.channel
        let timer = raw.eventLoop.scheduleTask(in: TimeAmount(limits.timeout)) {
            expired.set()
            raw.close(promise: nil)
        }
        defer { timer.cancel() }
        let response: Response
        do {
            response = try await withTaskCancellationHandler {
                try await channel.executeThenClose { inbound, outbound in
                    var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target)
                    head.headers.add(name: "Host", value: url.hostHeader)
                    head.headers.add(name: "User-Agent", value: "courtside-feed/0.1")
                    head.headers.add(name: "Connection", value: "close")
                    for (name, value) in headers { head.headers.add(name: name, value: value) }
                    // One write for both parts: a server may answer (and close) as soon as it has
                    // parsed the head of a GET, and a separate write of the (empty) end would then
                    // fail on the closed channel and lose a response that had arrived.
                    try await outbound.write(contentsOf: [.head(head), .end(nil)])
                    return try await Self.read(inbound, maximumBodyBytes: limits.maximumBodyBytes)
                }
            } onCancel: {
                raw.close(promise: nil)
            }
        } catch {
            throw expired.isSet ? .timeout : Self.failure(error, limits: limits)
        }
        // The deadline may have closed the connection just as the decoder saw an end.
        if expired.isSet { throw .timeout }
        return response
    }

    /// Reads one response: the head, and for a 2xx the whole body.
    private static func read(
        _ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, maximumBodyBytes: Int
    ) async throws -> Response {
        var started: Response?
        var body: [UInt8] = []
        var framing = ResponseFraming.length(0)
        for try await part in inbound {
            switch part {
            case .head(let head):
                let status = Int(head.status.code)
                guard started == nil, status >= 200 else {
                    throw Failure.invalidResponse("an unexpected \(status) response head")
                }
                let response = Response(status: status, headers: head.headers, body: [])
                guard (200..<300).contains(status), status != 204 else { return response }
                started = response
                framing = try ResponseFraming.of(head.headers, maximumBodyBytes: maximumBodyBytes)
            case .body(var buffer):
                guard started != nil else { throw Failure.invalidResponse("body before the head") }
                guard body.count + buffer.readableBytes <= maximumBodyBytes else {
                    throw Failure.tooLarge("a body larger than \(maximumBodyBytes) bytes")
                }
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard var response = started else { throw Failure.invalidResponse("an end without a head") }
                try framing.check(received: body.count)
                response.body = body
                return response
            }
        }
        throw Failure.truncated("the connection closed before the response's end")
    }

    /// The failure for an error of the connection or of the decoder.
    private static func failure(_ error: any Error, limits: Limits) -> Failure {
        switch error {
        case let failure as Failure:
            return failure
        case HTTPParserError.invalidEOFState:
            return .truncated("the connection closed before the response's end")
        case HTTPParserError.headerOverflow:
            return .tooLarge("response headers (or trailers) larger than \(limits.maximumHeadBytes) bytes")
        case let parser as HTTPParserError:
            return .invalidResponse("not HTTP/1.1 (\(parser))")
        default:
            return .io("\(error)")
        }
    }
}

/// Set when a request's deadline fired (the channel was closed because of it).
private final class ExpiryFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
