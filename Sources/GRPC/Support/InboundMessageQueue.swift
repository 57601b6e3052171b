internal import GRPCWire
internal import NIOCore

/// Messages received on one stream, waiting for the task that reads them. Loop-bound.
///
/// Flow control: received bytes are acknowledged to the peer (`consume`) right away while fewer
/// than `pauseThreshold` bytes of complete messages wait here; beyond that, acknowledgement waits
/// until the reader takes messages, so a reader that stops pushes back on the sender through
/// HTTP/2 flow control instead of letting this queue grow.
final class InboundMessageQueue {
    private var messages = CircularBuffer<ByteBuffer>()
    /// Bytes of the messages waiting here.
    private(set) var queuedBytes = 0
    private var end: Result<Void, any Error>?
    private var waiter: CheckedContinuation<ByteBuffer?, any Error>?
    /// The reading task was cancelled (possibly before it started waiting).
    private var readerCancelled = false
    /// Wire bytes received but not yet acknowledged.
    private(set) var unacknowledgedBytes = 0
    private let pauseThreshold: Int
    private let acknowledge: (Int) -> Void

    init(pauseThreshold: Int = 64 << 10, acknowledge: @escaping (Int) -> Void) {
        self.pauseThreshold = pauseThreshold
        self.acknowledge = acknowledge
    }

    /// Wire bytes (framing included) arrived for this stream.
    func received(wireBytes: Int) {
        unacknowledgedBytes += wireBytes
        acknowledgeIfBelowThreshold()
    }

    func append(_ message: ByteBuffer) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: message)
            return
        }
        messages.append(message)
        queuedBytes += message.readableBytes
    }

    /// No more messages: the stream ended cleanly (`.success`) or failed.
    func finish(_ result: Result<Void, any Error>) {
        guard end == nil else { return }
        end = result
        if let waiter {
            self.waiter = nil
            switch result {
            case .success: waiter.resume(returning: nil)
            case .failure(let error): waiter.resume(throwing: error)
            }
        }
    }

    /// The next message if one is ready (nil with `ready` false means: wait).
    func poll() -> (ready: Bool, message: ByteBuffer?, error: (any Error)?) {
        if let message = messages.popFirst() {
            queuedBytes -= message.readableBytes
            acknowledgeIfBelowThreshold()
            return (true, message, nil)
        }
        switch end {
        case .success: return (true, nil, nil)
        case .failure(let error): return (true, nil, error)
        case nil: return (false, nil, nil)
        }
    }

    func wait(_ continuation: CheckedContinuation<ByteBuffer?, any Error>) {
        let result = poll()
        if result.ready {
            if let error = result.error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: result.message)
            }
            return
        }
        if readerCancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        precondition(waiter == nil, "only one task may read a stream")
        waiter = continuation
    }

    /// Drops the messages nobody will read (the call is over), acknowledging their bytes.
    func discardQueuedMessages() {
        messages.removeAll()
        queuedBytes = 0
        acknowledgeIfBelowThreshold()
    }

    func cancelWaiter() {
        readerCancelled = true
        if let waiter {
            self.waiter = nil
            waiter.resume(throwing: CancellationError())
        }
    }

    private func acknowledgeIfBelowThreshold() {
        guard unacknowledgedBytes > 0, queuedBytes < pauseThreshold else { return }
        let count = unacknowledgedBytes
        unacknowledgedBytes = 0
        acknowledge(count)
    }
}

/// Where framed messages go: a server call's responses or a client call's requests.
protocol MessageSink: Sendable {
    nonisolated(nonsending) func write(framed: ByteBuffer) async throws
    /// Sends the stream's head now if it has not gone yet (a server's response headers).
    nonisolated(nonsending) func sendHead() async throws
}

/// Where received messages come from.
protocol MessageSource: Sendable {
    func nextMessage() async throws -> ByteBuffer?
}
