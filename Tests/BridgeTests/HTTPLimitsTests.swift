import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import Bridge

/// The HTTP port's budgets on the real pipeline (`BridgeServer.configure`), driven by an
/// `EmbeddedChannel` and its clock.
@Suite struct HTTPLimitsTests {
    private let app = EmbeddedHTTP.app()

    // MARK: Deadlines

    @Test func slowLorisHeadGets408AtTheHeadDeadline() throws {
        let connection = try EmbeddedHTTP(app: app)
        try connection.send("GET / HTT")
        connection.advance(.seconds(9))
        #expect(try connection.received().isEmpty)
        #expect(connection.isOpen)
        // More bytes do not buy more time: the whole head is due 10 s after its first byte.
        try connection.send("P/1.1\r\nHost: x\r\n")
        connection.advance(.seconds(1))
        let answer = try connection.received()
        #expect(EmbeddedHTTP.status(answer) == 408)
        #expect(EmbeddedHTTP.error(answer)?["code"] as? String == "request_timeout", "\(answer)")
        #expect(EmbeddedHTTP.header("connection", in: answer) == "close")
        #expect(EmbeddedHTTP.header("x-content-type-options", in: answer) == "nosniff")
        #expect(!connection.isOpen)
    }

    @Test func aConnectionThatSendsNothingIsClosedAtTheHeadDeadline() throws {
        let connection = try EmbeddedHTTP(app: app)
        connection.advance(.milliseconds(9_999))
        #expect(connection.isOpen)
        connection.advance(.milliseconds(1))
        #expect(try connection.received().isEmpty)
        #expect(!connection.isOpen)
    }

    @Test func anIdleKeepAliveConnectionIsClosedThenAHeadStartedLaterHasItsOwnDeadline() throws {
        let connection = try EmbeddedHTTP(app: app)
        try connection.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(EmbeddedHTTP.status(try connection.received()) == 400)
        // Idle between requests: the keep-alive timeout (60 s), not the head's.
        connection.advance(.seconds(59))
        #expect(connection.isOpen)
        // A head started now must be complete within 10 s.
        try connection.send("GET /ws HT")
        connection.advance(.seconds(10))
        #expect(EmbeddedHTTP.status(try connection.received()) == 408)
        #expect(!connection.isOpen)

        let idle = try EmbeddedHTTP(app: app)
        try idle.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try idle.received()
        idle.advance(.seconds(60))
        #expect(try idle.received().isEmpty)
        #expect(!idle.isOpen)
    }

    @Test func deadlinesAreSettings() throws {
        let app = EmbeddedHTTP.app { configuration in
            configuration.requestHeadTimeout = .seconds(2)
            configuration.keepAliveTimeout = .seconds(3)
        }
        let connection = try EmbeddedHTTP(app: app)
        try connection.send("GET /")
        connection.advance(.seconds(2))
        #expect(EmbeddedHTTP.status(try connection.received()) == 408)
        let idle = try EmbeddedHTTP(app: app)
        try idle.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try idle.received()
        idle.advance(.seconds(3))
        #expect(!idle.isOpen)
    }

    // MARK: Sizes and shapes

    @Test func aHeadOverTheLimitGets431() throws {
        let app = EmbeddedHTTP.app { $0.maxRequestHeadBytes = 4096 }
        let connection = try EmbeddedHTTP(app: app)
        try? connection.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + String(repeating: "a", count: 5000) + "\r\n\r\n")
        let answer = try connection.received()
        #expect(EmbeddedHTTP.status(answer) == 431)
        #expect(EmbeddedHTTP.error(answer)?["requestId"] is String)
        #expect(!connection.isOpen)
        // Just under the limit is a request like any other.
        let fits = try EmbeddedHTTP(app: app)
        try fits.send("GET /ws HTTP/1.1\r\nHost: x\r\nCookie: " + String(repeating: "a", count: 3000) + "\r\n\r\n")
        #expect(EmbeddedHTTP.status(try fits.received()) == 400)
    }

    @Test func tooManyHeaderFieldsGet431() throws {
        let connection = try EmbeddedHTTP(app: app)
        let fields = (0...HTTPHandler.maximumHeaderFields).map { "x\($0): 1\r\n" }.joined()
        try? connection.send("GET / HTTP/1.1\r\n" + fields + "\r\n")
        #expect(EmbeddedHTTP.status(try connection.received()) == 431)
    }

    @Test func garbageGets400AndClose() throws {
        let connection = try EmbeddedHTTP(app: app)
        try? connection.send("\u{01}\u{02} nonsense\r\n\r\n")
        let answer = try connection.received()
        #expect(EmbeddedHTTP.status(answer) == 400)
        #expect(EmbeddedHTTP.header("referrer-policy", in: answer) == "no-referrer")
        #expect(!connection.isOpen)
    }

    @Test(arguments: [
        ("POST /api/games HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", 405),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\n",
            400
        ),
    ])
    func requestsWithBodiesAreRefusedAtTheirHead(_ request: String, _ status: Int) throws {
        let connection = try EmbeddedHTTP(app: app)
        try? connection.send(request)  // NIO's upgrader reports the refused upgrade as an error too
        let answer = try connection.received()
        #expect(EmbeddedHTTP.status(answer) == status)
        #expect(EmbeddedHTTP.header("connection", in: answer) == "close")
        #expect(!connection.isOpen)
    }

    @Test(arguments: [
        "", "short", String(repeating: "A", count: 20_000), "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ==,dGhlIHNhbXBsZSBub25jZQ==",
    ])
    func anUpgradeWithAnInvalidKeyIsRefused(_ key: String) throws {
        let connection = try EmbeddedHTTP(app: app)
        try? connection.send(
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        #expect(EmbeddedHTTP.status(try connection.received()) == 400)
    }

    @Test func requestsPipelinedFarAheadOfTheirAnswersClose() throws {
        let app = EmbeddedHTTP.app()
        let within = try EmbeddedHTTP(app: app)
        within.channel.isWritable = false
        within.channel.pipeline.fireChannelWritabilityChanged()
        try within.send(String(repeating: "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", count: PipelineLimitHandler.maximumPending))
        #expect(within.isOpen)
        let beyond = try EmbeddedHTTP(app: app)
        beyond.channel.isWritable = false
        beyond.channel.pipeline.fireChannelWritabilityChanged()
        try beyond.send(String(repeating: "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", count: 3000))
        #expect(!beyond.isOpen)
    }

    // MARK: Connections

    @Test func connectionsPerAddressAndPerProcess() throws {
        let app = EmbeddedHTTP.app { configuration in
            configuration.maxHTTPConnections = 3
            configuration.maxHTTPConnectionsPerIP = 2
            configuration.trustedProxies = ["10.0.0.0/8"]
        }
        let first = try EmbeddedHTTP(app: app, peer: "192.0.2.1")
        _ = try EmbeddedHTTP(app: app, peer: "192.0.2.1")
        let third = try EmbeddedHTTP(app: app, peer: "192.0.2.1")
        let refused = try third.received()
        #expect(EmbeddedHTTP.status(refused) == 429)
        #expect(EmbeddedHTTP.error(refused)?["code"] as? String == "too_many_connections")
        #expect(!third.isOpen)
        // A proxy is not limited per address, only by the process's total.
        _ = try EmbeddedHTTP(app: app, peer: "10.1.2.3")
        let full = try EmbeddedHTTP(app: app, peer: "10.1.2.3")
        #expect(EmbeddedHTTP.status(try full.received()) == 503)
        #expect(app.policy.openHTTPConnections == 3)
        // Closing one gives its place back.
        try first.channel.close().wait()
        first.channel.embeddedEventLoop.run()
        #expect(app.policy.openHTTPConnections == 2)
        let again = try EmbeddedHTTP(app: app, peer: "192.0.2.1")
        #expect(try again.received().isEmpty)
        #expect(again.isOpen)
    }

    // MARK: Unread answers

    @Test func aClientThatDoesNotReadGetsNoMoreAnswersAndIsClosed() throws {
        let app = EmbeddedHTTP.app { $0.slowConsumerTimeout = .seconds(5) }
        let connection = try EmbeddedHTTP(app: app)
        connection.channel.isWritable = false
        connection.channel.pipeline.fireChannelWritabilityChanged()
        try connection.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.received().isEmpty, "nothing is answered while the socket does not drain")
        connection.advance(.seconds(5))
        #expect(!connection.isOpen)

        let drains = try EmbeddedHTTP(app: app)
        drains.channel.isWritable = false
        drains.channel.pipeline.fireChannelWritabilityChanged()
        try drains.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        drains.channel.isWritable = true
        drains.channel.pipeline.fireChannelWritabilityChanged()
        #expect(EmbeddedHTTP.status(try drains.received()) == 400)
        drains.advance(.seconds(5))
        #expect(drains.isOpen)
    }

    // MARK: Headers and errors

    @Test func everyAnswerCarriesTheSecurityHeadersAndErrorsARequestId() throws {
        let connection = try EmbeddedHTTP(app: app)
        try connection.send("GET /events?games=not%20an%20id HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = try connection.received()
        #expect(EmbeddedHTTP.status(answer) == 400)
        #expect(EmbeddedHTTP.header("x-content-type-options", in: answer) == "nosniff")
        #expect(EmbeddedHTTP.header("referrer-policy", in: answer) == "no-referrer")
        #expect(EmbeddedHTTP.header("content-security-policy", in: answer)?.contains("frame-ancestors 'none'") == true)
        let requestId = EmbeddedHTTP.error(answer)?["requestId"] as? String ?? ""
        #expect(requestId.utf8.count == 16 && requestId.allSatisfy(\.isHexDigit))
    }

    @Test func thePagePolicyForbidsFraming() {
        #expect(SecurityHeaders.pagePolicy.contains("frame-ancestors 'none'"))
        let page = StaticFiles(root: app.configuration.staticDirectory).answer(path: "/", ifNoneMatch: nil)
        #expect(page?.headers["content-security-policy"].first == SecurityHeaders.pagePolicy)
    }
}

/// `RequestDeadline` on its own.
@Suite struct RequestDeadlineTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private func later(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    @Test func aRequestInProgressNeverRunsOut() {
        var deadline = RequestDeadline(now: start, headTimeout: .seconds(10), idleTimeout: .seconds(60))
        deadline.bytesArrived(now: start)
        deadline.headReceived()
        #expect(deadline.deadline == nil)
        #expect(deadline.expiry(now: later(3600)) == nil)
    }

    @Test func aHeadPipelinedDuringAnAnswerIsTimedFromTheAnswer() {
        var deadline = RequestDeadline(now: start, headTimeout: .seconds(10), idleTimeout: .seconds(60))
        deadline.bytesArrived(now: start)
        deadline.headReceived()
        deadline.bytesArrived(now: later(1))  // the next request's first bytes
        deadline.answerCompleted(now: later(30))
        #expect(deadline.deadline == later(40))
        #expect(deadline.expiry(now: later(40)) == .head(started: true))
    }

    @Test func idleThenHead() {
        var deadline = RequestDeadline(now: start, headTimeout: .seconds(10), idleTimeout: .seconds(60))
        #expect(deadline.expiry(now: later(10)) == .head(started: false))
        deadline.bytesArrived(now: later(1))
        deadline.headReceived()
        deadline.answerCompleted(now: later(2))
        #expect(deadline.deadline == later(62))
        #expect(deadline.expiry(now: later(62)) == .idle)
        deadline.bytesArrived(now: later(5))
        #expect(deadline.deadline == later(15))
    }
}

/// When the heap is given back.
@Suite struct HeapTrimTests {
    @Test func trimsOnceManyConnectionsClosedSinceThePeak() {
        let trim = HeapTrim()
        #expect(!trim.shouldTrim(openConnections: 10))
        #expect(!trim.shouldTrim(openConnections: 500))
        #expect(!trim.shouldTrim(openConnections: 500 - HeapTrim.closedConnections + 1))
        #expect(trim.shouldTrim(openConnections: 500 - HeapTrim.closedConnections))
        // The next trim waits for as many more closes below the new mark.
        #expect(!trim.shouldTrim(openConnections: 400))
        #expect(trim.shouldTrim(openConnections: 10))
    }
}
