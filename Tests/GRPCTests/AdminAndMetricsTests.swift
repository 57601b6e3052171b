import GRPC
import Glibc
import HTTP2Transport
import Logging
import NIOCore
import Testing

@testable import ServiceKit

@Suite struct AdminServerLimitTests {
    static func start(_ limits: AdminServerLimits) async throws -> AdminServer {
        let server = AdminServer(
            host: "127.0.0.1", port: 0, metrics: ServiceMetrics(service: "test"), readiness: Readiness(),
            logger: Logger(label: "admin-test"),
            limits: limits
        )
        try await server.start()
        return server
    }

    /// Connects, sends `request`, and reads until the server closes the connection (or 5 s).
    static func exchange(port: Int, request: String?, wait: Duration = .seconds(5)) async throws -> (closed: Bool, response: String) {
        let client = try RawHTTP2Client(port: port)
        if let request { client.send(Array(request.utf8)) }
        var response: [UInt8] = []
        let deadline = ContinuousClock.now + wait
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count == 0 { return (true, String(decoding: response, as: UTF8.self)) }
            if count > 0 { response += buffer[0..<count] } else { try await Task.sleep(for: .milliseconds(5)) }
        }
        return (false, String(decoding: response, as: UTF8.self))
    }

    @Test func aConnectionThatSendsNoRequestInTimeIsClosed() async throws {
        var limits = AdminServerLimits()
        // Long enough that a request sent at once is answered even while hundreds of other tests
        // load both cores; the silent connection is still closed well before `exchange` gives up.
        limits.requestTimeout = .seconds(1)
        let server = try await Self.start(limits)
        let port = try #require(server.localAddress?.port)
        let silent = try await Self.exchange(port: port, request: "GET /hea", wait: .seconds(10))
        #expect(silent.closed && silent.response.isEmpty)
        let prompt = try await Self.exchange(port: port, request: "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        #expect(prompt.response.hasPrefix("HTTP/1.1 200"))
        await server.stop()
    }

    @Test func connectionsBeyondTheCapsGet503() async throws {
        var limits = AdminServerLimits()
        limits.maxConnectionsPerAddress = 2
        limits.maxConnections = 2
        let server = try await Self.start(limits)
        let port = try #require(server.localAddress?.port)
        // Accepted connections are set up on several event loops at once: which of the three is
        // refused is not fixed, only that one is.
        let clients = try (0..<3).map { _ in try RawHTTP2Client(port: port) }
        var refused = 0
        // Generous: the loop ends at the first refusal; a stalled machine must not fail the test.
        let deadline = ContinuousClock.now + .seconds(30)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var answered = Set<Int>()
        while ContinuousClock.now < deadline && refused == 0 {
            for (index, client) in clients.enumerated() where !answered.contains(index) {
                let count = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count > 0 {
                    answered.insert(index)
                    if String(decoding: buffer[0..<count], as: UTF8.self).hasPrefix("HTTP/1.1 503") { refused += 1 }
                }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(refused == 1)
        await server.stop()
    }

    @Test func theAdminHostIsLoopbackByDefault() throws {
        #expect(try SettingsReader.defaults().read(AdminSettings.host) == "127.0.0.1")
        #expect(throws: (any Error).self) {
            try AdminSettings.limits(from: SettingsReader(arguments: ["--admin-request-timeout-seconds", "1e300"], environment: [:]))
        }
        #expect(throws: (any Error).self) {
            try SettingsReader(arguments: ["--shutdown-grace-seconds", "1e300"], environment: [:]).read(CommonSettings.shutdownGrace)
        }
    }

    @Test func grpcOptionsBecomeServerLimits() throws {
        let arguments = ["--grpc-max-concurrent-streams", "7", "--grpc-idle-timeout-seconds", "0", "--grpc-keepalive-seconds", "0"]
        let limits = try GRPCServerSettings.limits(from: SettingsReader(arguments: arguments, environment: [:]))
        #expect(limits.http2.maxConcurrentStreams == 7)
        #expect(limits.http2.idleTimeout == nil && limits.keepalive == nil)
        #expect(limits.http2.prefaceTimeout == .seconds(5))
        #expect(throws: (any Error).self) {
            let arguments = ["--grpc-max-connection-buffer-bytes", "65536", "--grpc-max-stream-buffer-bytes", "131072"]
            _ = try GRPCServerSettings.limits(from: SettingsReader(arguments: arguments, environment: [:]))
        }
    }
}

@Suite struct GRPCMetricsLabelTests {
    @Test func unknownMethodsAndOddCodesAddNoSeries() {
        let metrics = ServiceMetrics(service: "test")
        let observer = metrics.grpcServerObserver()
        for index in 0..<1000 {
            observer.callRejected(method: nil, code: .unimplemented)
            observer.callFinished(
                method: MethodDescriptor(service: "s", method: "m"), code: GRPCStatusCode(rawValue: 1000 + index), duration: .zero)
        }
        observer.limitReached(.headerListSize)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        let series = text.split(separator: "\n").filter { $0.hasPrefix("courtside_grpc_server_calls_total{") }
        #expect(series.count == 2, "\(series)")
        #expect(text.contains(#"courtside_grpc_server_calls_total{method="unknown",code="UNIMPLEMENTED"} 1000"#))
        #expect(text.contains(#"courtside_grpc_server_calls_total{method="/s/m",code="UNKNOWN"} 1000"#))
        #expect(text.contains(#"courtside_grpc_server_limit_hits_total{limit="header_list_size"} 1"#))
    }
}
