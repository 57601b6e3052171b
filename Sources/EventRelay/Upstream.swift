public import Logging
import Synchronization

/// Keeps one long-lived upstream stream open: runs `follow` again after it ends or fails, with
/// exponential backoff (reset after a stream that delivered), until stopped.
public final class UpstreamFollower: Sendable {
    private let name: String
    private let logger: Logger
    private let connected = AtomicFlag()
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(name: String, logger: Logger) {
        self.name = name
        self.logger = logger
    }

    /// Whether a stream is open right now (for readiness).
    public var isConnected: Bool { connected.value }

    /// Starts following. `follow` opens the stream, calls `markConnected()` once it is open, and
    /// returns or throws when it ends.
    public func start(_ follow: @escaping @Sendable (_ markConnected: @escaping @Sendable () -> Void) async throws -> Void) {
        let name = self.name
        let logger = self.logger
        let connected = self.connected
        let started = Task {
            var delay: Duration = .milliseconds(100)
            while !Task.isCancelled {
                let opened = AtomicFlag()
                do {
                    try await follow {
                        opened.value = true
                        connected.value = true
                    }
                    logger.info("upstream stream ended; reopening", metadata: ["upstream": "\(name)"])
                } catch {
                    if Task.isCancelled { break }
                    logger.info(
                        "upstream stream failed; reopening", metadata: ["upstream": "\(name)", "error": "\(error)", "in": "\(delay)"])
                }
                connected.value = false
                if opened.value { delay = .milliseconds(100) }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
            connected.value = false
        }
        task.withLock { $0 = started }
    }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }
}

/// A boolean shared across tasks.
final class AtomicFlag: Sendable {
    private let storage = Atomic(false)

    var value: Bool {
        get { storage.load(ordering: .acquiring) }
        set { storage.store(newValue, ordering: .releasing) }
    }
}
