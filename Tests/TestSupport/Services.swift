import Foundation
public import Logging
public import ServiceLifecycle

/// A failure to set a test up (a service did not start, a wait timed out).
public struct SetupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Lifecycle services running in this process until stopped (gracefully), as the executables
/// run them.
public final class Running: Sendable {
    public let group: ServiceGroup
    private let task: Task<Void, any Error>

    public init(_ services: [any Service], logger: Logger = Logger(label: "test")) {
        group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let group = self.group
        task = Task { try await group.run() }
    }

    /// SIGTERM's path: graceful shutdown, then wait for every service to finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// Waits until `condition` holds, checking every 20 ms; throws after `timeout`.
public func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw SetupError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A free loopback port (bound once and released), for a service that must keep its port
/// across a restart.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw SetupError("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
