import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPCHealth
import Glibc
import HTTP2Transport
import Logging
import NIOCore
import Synchronization

@testable import GRPC

/// Remembers what a server told its observer.
final class RecordingObserver: GRPCServerObserver {
    private let state = Mutex<(limits: [GRPCServerLimit], rejected: [MethodDescriptor?], finished: [GRPCStatusCode])>(([], [], []))

    var limits: [GRPCServerLimit] { state.withLock { $0.limits } }
    var rejectedMethods: [MethodDescriptor?] { state.withLock { $0.rejected } }

    func connectionOpened() {}
    func connectionClosed() {}
    func callStarted(method: MethodDescriptor) {}
    func callFinished(method: MethodDescriptor, code: GRPCStatusCode, duration: Duration) {
        state.withLock { $0.finished.append(code) }
    }
    func callRejected(method: MethodDescriptor?, code: GRPCStatusCode) {
        state.withLock { $0.rejected.append(method) }
    }
    func limitReached(_ limit: GRPCServerLimit) {
        state.withLock { $0.limits.append(limit) }
    }
}

/// `test.v1.Hold/Hold`: a bidirectional call whose handler never reads its requests (so they
/// queue on the server) and ends only when cancelled; `test.v1.Hold/Fail`: a unary call whose
/// handler throws an error that is not an RPCError.
struct HoldService: RPCService {
    static let hold = MethodDescriptor(service: "test.v1.Hold", method: "Hold")
    static let fail = MethodDescriptor(service: "test.v1.Hold", method: "Fail")
    static let secret = "database password is hunter2"

    struct InternalFailure: Error, CustomStringConvertible {
        var description: String { HoldService.secret }
    }

    var serviceNames: [String] { ["test.v1.Hold"] }

    func registerMethods(with router: inout RPCRouter) {
        router.registerBidirectionalStreaming(Self.hold, request: RawBytes.self, response: RawBytes.self) { _, _, _ in
            try await Task.sleep(for: .seconds(3600))
        }
        router.registerUnary(Self.fail, request: RawBytes.self, response: RawBytes.self) { _, _ in
            throw InternalFailure()
        }
    }
}

/// Log lines, kept for tests that check what the server logged.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func logger(label: String) -> Logger {
        Logger(label: label) { _ in Handler(recorder: self) }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            for (key, value) in event.metadata ?? [:] { merged[key] = value }
            let line = "\(event.message) " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.lines.withLock { $0.append(line) }
        }
    }
}

extension GRPCServer.Configuration {
    /// A limit test's server: on port 0, reporting to `observer`, and giving a client 60 s for
    /// its preface — a test about another limit must not trip the preface deadline (5 s by
    /// default) when a loaded machine resumes its client late; the preface test sets its own.
    static func limitTest(host: String? = nil, observer: RecordingObserver) -> Self {
        var configuration = host.map { Self(host: $0, port: 0) } ?? Self(port: 0)
        configuration.observer = observer
        configuration.http2.prefaceTimeout = .seconds(60)
        return configuration
    }
}

/// A server with the echo, health and hold services and a configuration a test chose.
struct LimitsFixture {
    let server: GRPCServer
    let observer: RecordingObserver
    let logs: LogRecorder
    var port: Int { server.localAddress?.port ?? 0 }

    static func start(_ configure: (inout GRPCServer.Configuration) -> Void = { _ in }) async throws -> LimitsFixture {
        let observer = RecordingObserver()
        var configuration = GRPCServer.Configuration.limitTest(host: "127.0.0.1", observer: observer)
        configure(&configuration)
        let logs = LogRecorder()
        let health = HealthService(services: [EchoServiceMethods.serviceName])
        let server = GRPCServer(
            configuration: configuration, services: [EchoService(), health, HoldService()], logger: logs.logger(label: "limits"))
        try await server.start()
        return LimitsFixture(server: server, observer: observer, logs: logs)
    }

    func client() throws -> RawHTTP2Client {
        try RawHTTP2Client(port: port)
    }

    func stop() async {
        server.beginGracefulShutdown(grace: .milliseconds(200))
        await server.waitUntilStopped()
    }
}

/// This process's resident memory (the in-process server's included).
func residentMegabytes() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return 0 }
    let fields = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return (pages * 4096) >> 20
}
