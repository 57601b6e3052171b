/// The task writing to one stream, parked while the stream's queued outbound bytes drain: at
/// most one waiter, and once the writing task is cancelled every later wait throws
/// `CancellationError`. The client and the server call hold one each and decide only when their
/// stream counts as drained. Loop-bound.
struct OutboundDrainWaiter {
    private var waiter: CheckedContinuation<Void, any Error>?
    /// The writing task was cancelled (possibly before it started waiting).
    private var writerCancelled = false

    /// Whether a writer is parked.
    var isWaiting: Bool { waiter != nil }

    /// Resumes `continuation` at once when the writer was cancelled, the call cannot send any
    /// more (`failure`) or the stream is `drained` enough; otherwise keeps it until
    /// ``resume(_:)`` and returns true, and the caller asks to be told when the stream drains.
    mutating func wait(
        _ continuation: CheckedContinuation<Void, any Error>, failure: (any Error)?, drained: @autoclosure () -> Bool
    ) -> Bool {
        if writerCancelled {
            continuation.resume(throwing: CancellationError())
        } else if let failure {
            continuation.resume(throwing: failure)
        } else if drained() {
            continuation.resume()
        } else {
            waiter = continuation
            return true
        }
        return false
    }

    /// Wakes the parked writer, if any: to go on writing (nil), or with `error`.
    mutating func resume(_ error: (any Error)?) {
        guard let waiter else { return }
        self.waiter = nil
        if let error {
            waiter.resume(throwing: error)
        } else {
            waiter.resume()
        }
    }

    /// The writing task was cancelled: the parked writer and every later one throw
    /// `CancellationError`.
    mutating func cancel() {
        writerCancelled = true
        resume(CancellationError())
    }
}
