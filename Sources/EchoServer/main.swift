// A gRPC server with EchoService and the health service, for the interop tests (a Python grpcio
// client calls it). Usage: courtside-echo-server PORT [MAX_MESSAGE_BYTES]
// Prints "listening on PORT" once it accepts connections; drains gracefully on SIGTERM/SIGINT.
//
// For the e2e test of the shutdown watchdog: COURTSIDE_ECHO_GRACE_SECONDS sets the drain's grace
// (default 5, 0…3600), and COURTSIDE_ECHO_BLOCK_POOL_ON_SHUTDOWN=1 makes graceful shutdown block every
// thread of the Swift concurrency pool for good, so that only the watchdog (on its own dispatch
// queue) can end the process: exit 70 at grace + 10 s.
import CourtsideProto
import CourtsideRPC
import EchoExample
import Foundation
import GRPC
import GRPCHealth
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: courtside-echo-server PORT [MAX_MESSAGE_BYTES]\n".utf8))
    exit(2)
}
var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: port)
if arguments.count >= 3, let limit = Int(arguments[2]) {
    configuration.maximumReceiveMessageSize = limit
}
LoggingSetup.bootstrap(level: .notice, format: .text)
let logger = Logger(label: "echo-server")
let health = HealthService(services: [EchoServiceMethods.serviceName])
let server = GRPCServer(configuration: configuration, services: [EchoService(), health], logger: logger)
let environment = ProcessInfo.processInfo.environment
let grace = Duration.seconds(min(max(environment["COURTSIDE_ECHO_GRACE_SECONDS"].flatMap(Int.init) ?? 5, 0), 3600))
let service = GRPCServerService(server: server, health: health, readiness: Readiness(), grace: grace, logger: logger) { port in
    FileHandle.standardOutput.write(Data("listening on \(port)\n".utf8))
}
var services: [any Service] = [service]
if environment["COURTSIDE_ECHO_BLOCK_POOL_ON_SHUTDOWN"] == "1" { services.append(PoolBlocker()) }
try await ServiceRunner.run(services, grace: grace, logger: logger)

/// On graceful shutdown, occupies every thread of the concurrency pool with a blocking sleep
/// that never ends, and says so on standard error once all of them are taken.
struct PoolBlocker: Service {
    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    func run() async throws {
        try? await gracefulShutdown()
        let width = ProcessInfo.processInfo.activeProcessorCount  // the pool's width on Linux
        let blocked = Count()
        // More than the pool holds: whatever threads it has, each ends up in one of these (this
        // task's own thread included).
        for _ in 0..<(4 * width) {
            Task.detached { Self.block(counting: blocked, width: width) }
        }
        Self.block(counting: blocked, width: width)
    }

    static func block(counting blocked: Count, width: Int) -> Never {
        if blocked.value.add(1, ordering: .relaxed).newValue == width {
            FileHandle.standardError.write(Data("every concurrency pool thread is blocked\n".utf8))
        }
        while true { sleep(3600) }
    }
}
