import Dispatch
import Foundation
public import Logging
import Synchronization

/// The last resort of a graceful shutdown: once SIGTERM or SIGINT (or the group) starts it,
/// the process must be gone by the deadline. ServiceGroup escalates an overrunning shutdown to
/// task cancellation, but a service that does not react to cancellation (one awaiting a drain
/// that never ends) keeps the process alive for good; this ends it instead.
///
/// It runs on its own dispatch queue and signal sources, not on the Swift concurrency pool,
/// so that it still fires when the pool is stuck.
public final class ShutdownWatchdog: Sendable {
    /// What happens when the deadline passes, given the services still running (by name).
    public typealias Expiry = @Sendable (_ stillRunning: [String]) -> Void

    /// How long after graceful shutdown starts the process may still run.
    public let deadline: Duration
    private let expiry: Expiry
    private let queue = DispatchQueue(label: "courtside.shutdown-watchdog")
    private let state = Mutex(State())

    private struct State {
        var armed = false
        var finished = false
        var nextID = 0
        var running: [Int: String] = [:]
    }

    /// The time a graceful shutdown may take beyond the grace period: ServiceGroup escalates
    /// to cancellation at grace + 5 s; cancellation gets 5 s more.
    public static let margin: Duration = .seconds(10)

    /// A watchdog that calls `expiry` when shutdown overruns `deadline`.
    public init(deadline: Duration, expiry: @escaping Expiry) {
        self.deadline = deadline
        self.expiry = expiry
    }

    /// The process's watchdog for a grace period: logs what is still running and exits 70
    /// (EX_SOFTWARE) at grace + ``margin``.
    public convenience init(grace: Duration, logger: Logger) {
        let deadline = grace + Self.margin
        self.init(deadline: deadline) { stillRunning in
            let names = stillRunning.isEmpty ? "no service (the group did not return)" : stillRunning.joined(separator: ", ")
            logger.error(
                "graceful shutdown overran its deadline; exiting",
                metadata: ["deadline": "\(deadline)", "still_running": "\(names)"])
            // _exit, not exit: the process is wedged, and exit's handlers may wait on what
            // holds it.
            _exit(70)
        }
    }

    /// Starts the deadline (once; later calls do nothing). Safe from any thread.
    public func arm() {
        let first = state.withLock { state in
            guard !state.armed, !state.finished else { return false }
            state.armed = true
            return true
        }
        guard first else { return }
        let components = deadline.components
        let nanoseconds = max(0, Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000))
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            let stillRunning: [String]? = state.withLock { state in
                state.finished ? nil : state.running.sorted { $0.key < $1.key }.map(\.value)
            }
            if let stillRunning { expiry(stillRunning) }
        }
    }

    /// Shutdown completed: the deadline no longer applies.
    public func finish() {
        state.withLock { $0.finished = true }
    }

    /// Whether the deadline has started.
    public var isArmed: Bool { state.withLock { $0.armed } }

    /// Records a service as running until the returned token is passed to ``stopped(_:)``.
    func started(_ name: String) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.running[id] = name
            return id
        }
    }

    func stopped(_ id: Int) {
        _ = state.withLock { $0.running.removeValue(forKey: id) }
    }

    /// Arms the watchdog when one of `signals` arrives, through Dispatch signal sources (which
    /// share the signal with ServiceGroup's own sources). Keep the returned sources alive.
    func armOnSignals(_ signals: [Int32]) -> [any DispatchSourceSignal] {
        signals.map { signal in
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            source.setEventHandler { [self] in arm() }
            source.resume()
            return source
        }
    }
}
