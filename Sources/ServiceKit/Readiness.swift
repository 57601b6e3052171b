import Synchronization

/// Whether the process should receive traffic: `/readyz` answers 200 only when it is started,
/// not draining, and every registered check passes.
public final class Readiness: Sendable {
    private let started = Atomic(false)
    private let draining = Atomic(false)
    private let checks = Mutex<[(name: String, check: @Sendable () -> Bool)]>([])

    public init() {}

    public func markStarted() { started.store(true, ordering: .releasing) }
    public func markDraining() { draining.store(true, ordering: .releasing) }

    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Adds a condition for readiness (for example: "the upstream stream is connected").
    public func addCheck(_ name: String, _ check: @escaping @Sendable () -> Bool) {
        checks.withLock { $0.append((name, check)) }
    }

    /// nil when ready, else why not.
    public func notReadyReason() -> String? {
        if draining.load(ordering: .acquiring) { return "draining" }
        if !started.load(ordering: .acquiring) { return "starting" }
        let failing = checks.withLock { checks in checks.filter { !$0.check() }.map(\.name) }
        return failing.isEmpty ? nil : "waiting for: " + failing.joined(separator: ", ")
    }
}
