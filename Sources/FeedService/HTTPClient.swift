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
/// seven packages to every build. What it does: one connection per request (`Connection:
/// close`), a deadline covering connect, TLS handshake and the whole response, a cap on the body
/// size, up to five redirects, cancellation (closing the connection). Chunked and
/// content-length bodies are decoded by NIOHTTP1; no compression is requested.
final class HTTPClient: Sendable {
    /// Why a request failed (the metric reason is `reason`).
    enum Failure: Error, Sendable, CustomStringConvertible {
        case timeout
        case connect(String)
        case tooLarge(Int)
        case io(String)
        case redirects(String)

        /// A short, fixed label for metrics.
        var reason: String {
            switch self {
            case .timeout: "timeout"
            case .connect: "connect"
            case .tooLarge: "too_large"
            case .io: "io"
            case .redirects: "redirect"
            }
        }

        var description: String {
            switch self {
            case .timeout: "timed out"
            case .connect(let why): "cannot connect: \(why)"
            case .tooLarge(let limit): "response body larger than \(limit) bytes"
            case .io(let why): "connection failed: \(why)"
            case .redirects(let why): "bad redirect: \(why)"
            }
        }
    }

    /// A response: status, headers and the whole body.
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

    /// GETs `url`, following up to five redirects.
    /// - Parameters:
    ///   - headers: request headers besides Host, Connection and User-Agent.
    ///   - timeout: deadline of each request (redirects get a new one).
    ///   - maximumBodyBytes: a larger body fails the request with `Failure.tooLarge`.
    func get(_ url: HTTPURL, headers: [(String, String)] = [], timeout: Duration, maximumBodyBytes: Int) async throws(Failure)
        -> Response
    {
        var target = url
        for _ in 0...5 {
            let response = try await getOnce(target, headers: headers, timeout: timeout, maximumBodyBytes: maximumBodyBytes)
            guard [301, 302, 303, 307, 308].contains(response.status) else { return response }
            guard let location = response.headers.first(name: "location"), let next = target.resolving(location) else {
                throw .redirects("\(response.status) without a usable Location")
            }
            target = next
        }
        throw .redirects("more than five redirects")
    }

    private func getOnce(_ url: HTTPURL, headers: [(String, String)], timeout: Duration, maximumBodyBytes: Int) async throws(Failure)
        -> Response
    {
        var context: NIOSSLContext?
        if url.isTLS {
            switch tls {
            case .success(let created): context = created
            case .failure(let error): throw .connect("TLS is not available: \(error)")
            }
        }
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: url.host, port: url.port) { [context] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context {
                            let handler = try NIOSSLClientHandler(context: context, serverHostname: url.hostIsAddress ? nil : url.host)
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
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
        let timer = raw.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            expired.set()
            raw.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
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
                    var response = Response(status: 0, headers: HTTPHeaders(), body: [])
                    for try await part in inbound {
                        switch part {
                        case .head(let responseHead):
                            response.status = Int(responseHead.status.code)
                            response.headers = responseHead.headers
                        case .body(var buffer):
                            guard response.body.count + buffer.readableBytes <= maximumBodyBytes else {
                                throw Failure.tooLarge(maximumBodyBytes)
                            }
                            response.body += buffer.readBytes(length: buffer.readableBytes) ?? []
                        case .end:
                            return response
                        }
                    }
                    throw Failure.io("the connection closed before the response ended")
                }
            } onCancel: {
                raw.close(promise: nil)
            }
        } catch let failure as Failure {
            throw expired.isSet ? .timeout : failure
        } catch {
            throw expired.isSet ? .timeout : .io("\(error)")
        }
    }
}

/// Set when a request's deadline fired (the channel was closed because of it).
private final class ExpiryFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
