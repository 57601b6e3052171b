internal import NIOCore

/// What a call handle needs of its call, on the client and on the server alike: framed messages
/// sent under flow control and inbound messages read, both on the call's event loop.
protocol LoopBoundStreamCall: AnyObject, SendableMetatype {
    /// Queues a framed message; true when the caller must wait for the stream to drain.
    func send(framed: ByteBuffer) throws -> Bool
    func waitForDrain(_ continuation: CheckedContinuation<Void, any Error>)
    func pollMessage() -> (ready: Bool, message: ByteBuffer?, error: (any Error)?)
    func waitForMessage(_ continuation: CheckedContinuation<ByteBuffer?, any Error>)
    func cancelWaiters()
}

extension ClientCall: LoopBoundStreamCall {}
extension ServerCall: LoopBoundStreamCall {}

/// Sends a framed message from any task: directly when already on the loop, and parks the task
/// while the stream's send window is full (a cancelled task stops waiting).
nonisolated(nonsending) func write<Call: LoopBoundStreamCall>(framed: ByteBuffer, to call: NIOLoopBound<Call>, on eventLoop: any EventLoop)
    async throws
{
    let mustWait: Bool
    if eventLoop.inEventLoop {
        mustWait = try call.value.send(framed: framed)
    } else {
        mustWait = try await eventLoop.submit { try call.value.send(framed: framed) }.get()
    }
    guard mustWait else { return }
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            eventLoop.executeOnLoop { call.value.waitForDrain(continuation) }
        }
    } onCancel: {
        eventLoop.executeOnLoop { call.value.cancelWaiters() }
    }
}

/// The next inbound message (nil at the end): taken at once when the caller is on the loop and
/// one is ready, otherwise awaited.
func nextMessage<Call: LoopBoundStreamCall>(from call: NIOLoopBound<Call>, on eventLoop: any EventLoop) async throws -> ByteBuffer? {
    if eventLoop.inEventLoop {
        let result = call.value.pollMessage()
        if result.ready {
            if let error = result.error { throw error }
            return result.message
        }
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
            eventLoop.executeOnLoop { call.value.waitForMessage(continuation) }
        }
    } onCancel: {
        eventLoop.executeOnLoop { call.value.cancelWaiters() }
    }
}
