import CourtsideProto
import CourtsideRPC
import EventRelay
import Foundation
import GRPC
import Logging
import NIOCore
import NIOEmbedded
import ServiceKit

@testable import Bridge

/// The bridge's HTTP pipeline (`BridgeServer.configure`) on an `EmbeddedChannel`, with nothing
/// behind it: no services, no hubs. Only what is answered on the event loop itself can be
/// tested this way (refusals, limits, deadlines), not the page or the API (answered off it).
struct EmbeddedHTTP {
    let channel: EmbeddedChannel

    /// What every connection of a test shares. With `hubLoop`, WebSockets upgraded on that loop
    /// (see `init(app:peer:loop:)`) speak the Courtside protocol through a `FanoutHub` that is
    /// never started: no relay subscription and no timer, so only what a connection does on its
    /// own (hello, refusals, client messages answered on the loop, close codes) happens.
    static func app(hubLoop: EmbeddedEventLoop? = nil, _ configure: (inout BridgeConfiguration) -> Void = { _ in }) -> BridgeApp {
        var configuration = BridgeConfiguration()
        configuration.staticDirectory =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../services/bridge/public").path
        configure(&configuration)
        let logger = Logger(label: "embedded-http")
        let unreachable = GRPCClient(host: "127.0.0.1", port: 9)
        let relay = GameRelay<BridgeItem>(
            recentCapacity: 4, subscriberCapacity: 4, teams: { _ in nil },
            makePayload: { BridgeItem(item: $0, teams: nil, previousStatus: nil) }
        )
        let api = JSONAPI(
            schedule: unreachable, score: unreachable, teams: TeamDirectory(client: nil), relay: relay, relayIsCurrent: { false },
            logger: logger
        )
        let policy = AccessPolicy(
            allowedOrigins: configuration.allowedOrigins, trustedProxies: configuration.trustedProxies,
            maxConnectionsPerIP: configuration.maxConnectionsPerIP, maxHTTPConnections: configuration.maxHTTPConnections,
            maxHTTPConnectionsPerIP: configuration.maxHTTPConnectionsPerIP
        )
        let metrics = BridgeMetrics(ServiceMetrics(service: "bridge-test"))
        var hubs: [NIOLoopBound<FanoutHub>] = []
        if let hubLoop {
            let directory = SubscriptionDirectory(
                relay: relay, history: ScoreHistorySource(client: unreachable), schedule: ScheduleCache(client: nil, logger: logger),
                teams: TeamDirectory(client: nil), logger: logger
            )
            let hub = FanoutHub(
                eventLoop: hubLoop, directory: directory, configuration: configuration, metrics: metrics,
                authority: ConnectionAuthority(configuration: configuration, metrics: metrics, logger: logger), logger: logger
            )
            hubs.append(NIOLoopBound(hub, eventLoop: hubLoop))
        }
        return BridgeApp(
            configuration: configuration, policy: policy, statics: StaticFiles(root: configuration.staticDirectory), api: api,
            hubs: HubRegistry(hubs), metrics: metrics, logger: logger
        )
    }

    /// A connection from `peer`, through the bridge's pipeline (on `loop`: the one of the app's
    /// hub, to reach it).
    init(app: BridgeApp, peer: String = "192.0.2.1", loop: EmbeddedEventLoop? = nil) throws {
        channel = loop.map { EmbeddedChannel(loop: $0) } ?? EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 40_000)
        try BridgeServer.configure(channel, app: app)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        // Connecting an embedded channel makes the address it connects to its remote address;
        // the peer is the client, as it would be for an accepted socket.
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 40_000)
    }

    /// Sends bytes as the client.
    func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    /// Everything written to the client so far.
    func received() throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    /// Moves the loop's clock (timers due by then run).
    func advance(_ amount: TimeAmount) {
        channel.embeddedEventLoop.advanceTime(by: amount)
    }

    var isOpen: Bool { channel.isActive }

    /// The status code of the first response in `text` (0 if none).
    static func status(_ text: String) -> Int {
        guard text.hasPrefix("HTTP/1.1 ") else { return 0 }
        return Int(text.dropFirst(9).prefix(3)) ?? 0
    }

    /// The value of a header of the first response in `text`.
    static func header(_ name: String, in text: String) -> String? {
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The `error` object of the first response's JSON body.
    static func error(_ text: String) -> [String: Any]? {
        guard let body = text.components(separatedBy: "\r\n\r\n").dropFirst().first,
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        else { return nil }
        return object["error"] as? [String: Any]
    }
}
