import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import ServiceKit

/// The shutdown backstop: a group whose service ignores graceful shutdown and cancellation is
/// ended at the deadline (with the service named); a group that shuts down in time is not.
@Suite struct ShutdownWatchdogTests {
    /// Ignores graceful shutdown and cancellation, as a service awaiting a stuck drain does,
    /// until the test releases it.
    struct StubbornService: Service {
        let release: AsyncStream<Void>

        func run() async throws {
            // Unstructured, so that cancelling this task does not end the wait.
            let stuck = Task { for await _ in release {} }
            await stuck.value
        }
    }

    /// Returns as soon as graceful shutdown starts.
    struct PoliteService: Service {
        func run() async throws {
            try? await gracefulShutdown()
        }
    }

    /// The expiry action's calls.
    final class Expiries: Sendable {
        private let calls = Mutex<[[String]]>([])
        var all: [[String]] { calls.withLock { $0 } }
        func record(_ stillRunning: [String]) { calls.withLock { $0.append(stillRunning) } }
    }

    static func group(_ services: [any Service], watchdog: ShutdownWatchdog) -> ServiceGroup {
        ServiceRunner.group(services, grace: .zero, logger: Logger(label: "test"), signals: [], watchdog: watchdog)
    }

    @Test func aStuckServiceIsEndedAtTheDeadlineAndNamed() async throws {
        let expiries = Expiries()
        let watchdog = ShutdownWatchdog(deadline: .seconds(1)) { expiries.record($0) }
        let (release, releaser) = AsyncStream<Void>.makeStream()
        defer { releaser.finish() }
        let group = Self.group([StubbornService(release: release), PoliteService()], watchdog: watchdog)
        let running = Task { try await ServiceRunner.run(group, watchdog: watchdog) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!watchdog.isArmed)
        #expect(expiries.all.isEmpty)

        let triggered = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await waitFor("the watchdog to fire", timeout: .seconds(10)) { !expiries.all.isEmpty }
        let elapsed = ContinuousClock.now - triggered
        #expect(elapsed >= .seconds(1))
        // Once, naming the stuck service. On a loaded machine the polite one may not have
        // finished stopping by the deadline either (seen in CI), so it may be named too.
        #expect(expiries.all.count == 1)
        #expect(expiries.all.first?.contains("StubbornService") == true)

        // Let the group end, so that the test leaves nothing running.
        releaser.finish()
        _ = try? await running.value
    }

    @Test func aGroupThatShutsDownInTimeIsNotEnded() async throws {
        let expiries = Expiries()
        // Generous: on a loaded machine two services may take several hundred milliseconds to
        // stop, and that must not read as an overrun here (seen at a 300 ms deadline).
        let watchdog = ShutdownWatchdog(deadline: .seconds(3)) { expiries.record($0) }
        let group = Self.group([PoliteService(), PoliteService()], watchdog: watchdog)
        let running = Task { try await ServiceRunner.run(group, watchdog: watchdog) }
        try await Task.sleep(for: .milliseconds(100))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(watchdog.isArmed)
        // Past the deadline: nothing fires.
        try await Task.sleep(for: .milliseconds(3500))
        #expect(expiries.all.isEmpty)
    }
}
