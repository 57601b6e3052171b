import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Bridge

/// A Courtside WebSocket (not echo mode) through the bridge's pipeline on an `EmbeddedChannel`,
/// with a hub on the channel's loop and no services behind it: the in-memory twins of what
/// `BridgeEndToEndTests` proves over sockets about the handler (hello, refusals, close codes,
/// replies answered on the loop, shutdown). Subscriptions, catch-up, slow consumers and the
/// timers stay there: they need the services, the relay and the kernel's socket buffers.
@Suite struct WebSocketSessionEmbeddedTests {
    typealias Connection = WebSocketEmbeddedTests.Connection

    /// An app whose hub runs on `loop`, and connections to it.
    struct Bridge {
        let loop = EmbeddedEventLoop()
        let app: BridgeApp

        init(_ configure: (inout BridgeConfiguration) -> Void = { _ in }) {
            app = EmbeddedHTTP.app(hubLoop: loop, configure)
        }

        func connect(peer: String = "192.0.2.1", headers: [(String, String)] = []) throws -> Connection {
            try Connection(app: app, loop: loop, peer: peer, headers: headers)
        }

        var hub: FanoutHub? { app.hubs.hub(for: loop) }
    }

    /// The JSON object of a text frame.
    static func message(_ frame: TestWebSocket.Frame) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any]) ?? [:]
    }

    static func type(_ frame: TestWebSocket.Frame) -> String {
        message(frame)["type"] as? String ?? "opcode \(frame.opcode)"
    }

    @Test func helloThenRepliesOnTheLoopAndErrorsKeepTheConnection() throws {
        let bridge = Bridge()
        var connection = try bridge.connect()
        #expect(EmbeddedHTTP.status(connection.answer) == 101)
        let hello = try #require(try connection.frames().first)
        #expect(Self.type(hello) == "hello")
        #expect(Self.message(hello)["protocol"] as? Int == 1)
        #expect(bridge.hub?.connectionCount == 1)

        try connection.send(opcode: 1, payload: Array(#"{"type":"ping","id":"p1"}"#.utf8))
        let pong = try #require(try connection.frames().first)
        #expect(Self.type(pong) == "pong")
        #expect(Self.message(pong)["id"] as? String == "p1")
        try connection.send(opcode: 1, payload: Array("not json".utf8))
        #expect(try connection.frames().map { Self.message($0)["code"] as? String } == ["bad_request"])
        try connection.send(opcode: 1, payload: Array(#"{"type":"teleport"}"#.utf8))
        #expect(try connection.frames().map { Self.message($0)["code"] as? String } == ["unknown_type"])
        #expect(connection.http.isOpen)
    }

    @Test func aBinaryMessageClosesWith1003() throws {
        var connection = try Bridge().connect()
        _ = try connection.frames()
        try connection.send(opcode: 2, payload: [1, 2, 3])
        #expect(try connection.frames().map(\.closeCode) == [1003])
    }

    @Test func aMessageOverTheLimitClosesWith1009() throws {
        var connection = try Bridge().connect()
        _ = try connection.frames()
        try connection.send(opcode: 1, payload: Array(repeating: 0x78, count: 70_000))
        #expect(try connection.frames().map(\.closeCode) == [1009])
    }

    @Test func anotherSitesOriginIsClosedWith1008WithoutHello() throws {
        let bridge = Bridge { $0.allowedOrigins = ["https://allowed.example"] }
        var foreign = try bridge.connect(headers: [("Origin", "https://evil.example")])
        #expect(EmbeddedHTTP.status(foreign.answer) == 101)
        #expect(try foreign.frames().map(\.closeCode) == [1008])
        var allowed = try bridge.connect(headers: [("Origin", "https://allowed.example")])
        #expect(try allowed.frames().map(Self.type) == ["hello"])
        var own = try bridge.connect(headers: [("Origin", "http://127.0.0.1")])
        #expect(try own.frames().map(Self.type) == ["hello"])
    }

    @Test func connectionsPastThePerAddressLimitAreClosedWith1008UntilOneCloses() throws {
        let bridge = Bridge { $0.maxConnectionsPerIP = 1 }
        var first = try bridge.connect()
        #expect(try first.frames().map(Self.type) == ["hello"])
        var second = try bridge.connect()
        #expect(try second.frames().map(\.closeCode) == [1008])
        var elsewhere = try bridge.connect(peer: "192.0.2.2")
        #expect(try elsewhere.frames().map(Self.type) == ["hello"])
        // The first one's close gives its place back.
        try first.send(opcode: 8, payload: [0x03, 0xE8])
        #expect(!first.http.isOpen)
        var third = try bridge.connect()
        #expect(try third.frames().map(Self.type) == ["hello"])
    }

    @Test func whileDrainingANewConnectionIsClosedWith1001() throws {
        let bridge = Bridge()
        bridge.app.isDraining = true
        var connection = try bridge.connect()
        #expect(try connection.frames().map(\.closeCode) == [1001])
    }

    @Test func shutdownSendsGoawayThenClose1001() throws {
        let bridge = Bridge()
        var connection = try bridge.connect()
        _ = try connection.frames()
        bridge.hub?.goAway(spreadMs: 1000)
        let frames = try connection.frames()
        #expect(frames.map(Self.type) == ["goaway", "opcode 8"])
        let retry = try #require(frames.first.flatMap { Self.message($0)["retryAfterMs"] as? Int })
        #expect(retry >= 0 && retry < 1000)
        #expect(frames.last?.closeCode == 1001)
        #expect(bridge.hub?.connectionCount == 0)
    }

    @Test func messagesPastTheBurstAreRefusedAsRateLimited() throws {
        let bridge = Bridge { $0.maxMessagesPerSecond = 2 }
        var connection = try bridge.connect()
        _ = try connection.frames()
        for index in 0..<5 { try connection.send(opcode: 1, payload: Array(#"{"type":"ping","id":"p\#(index)"}"#.utf8)) }
        let replies = try connection.frames().map { Self.message($0)["code"] as? String ?? Self.type($0) }
        #expect(replies == ["pong", "pong", "pong", "pong", "rate_limited"])
    }
}
