import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// glibc keeps the heap memory that closed connections freed for later allocations, so the
/// bridge's RSS stays at its peak after a burst of connections (an attack, a reconnect storm).
/// When many connections have closed since the peak, the heap is trimmed (`malloc_trim`) off
/// the event loops, giving the memory back to the system.
final class HeapTrim: Sendable {
    /// Connections that must have closed since the peak before a trim.
    static let closedConnections = 64

    private let peak = Mutex(0)

    /// Records the number of open connections; true when the heap should be trimmed now.
    func shouldTrim(openConnections: Int) -> Bool {
        peak.withLock { peak in
            if openConnections >= peak {
                peak = openConnections
                return false
            }
            guard peak - openConnections >= Self.closedConnections else { return false }
            peak = openConnections
            return true
        }
    }

    /// Gives free heap memory back to the system (glibc's `malloc_trim`, which Swift's Glibc
    /// module does not declare: looked up once; nothing where the C library has none).
    static func trim() {
        _ = mallocTrim?(0)
    }

    private typealias MallocTrim = @convention(c) (Int) -> Int32

    private static let mallocTrim: MallocTrim? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: MallocTrim.self)
        #else
            return nil
        #endif
    }()
}
