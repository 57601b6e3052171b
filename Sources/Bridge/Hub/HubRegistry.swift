import NIOCore

/// The hub of every event loop of the bridge's group, found by the loop a connection runs on.
final class HubRegistry: Sendable {
    private let hubs: [ObjectIdentifier: NIOLoopBound<FanoutHub>]

    init(_ hubs: [NIOLoopBound<FanoutHub>]) {
        self.hubs = Dictionary(hubs.map { (ObjectIdentifier($0.eventLoop), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The hub of `eventLoop` (call on that loop).
    func hub(for eventLoop: any EventLoop) -> FanoutHub? {
        hubs[ObjectIdentifier(eventLoop)]?.value
    }

    /// Runs `body` on every hub's loop and waits for all of them.
    func runOnEveryHub(_ body: @escaping @Sendable (FanoutHub) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for bound in hubs.values {
                group.addTask {
                    try? await bound.eventLoop.submit { body(bound.value) }.get()
                }
            }
        }
    }

    /// Open connections on every loop.
    func connectionCount() async -> Int {
        var total = 0
        for bound in hubs.values {
            total += (try? await bound.eventLoop.submit { bound.value.connectionCount }.get()) ?? 0
        }
        return total
    }
}
