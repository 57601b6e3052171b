internal import GRPCWire
internal import HTTP2Transport
internal import NIOCore

/// The calling task's reference to its call.
struct ClientCallHandle: MessageSink, MessageSource {
    let eventLoop: any EventLoop
    let call: NIOLoopBound<ClientCall>

    nonisolated(nonsending) func write(framed: ByteBuffer) async throws {
        try await GRPC.write(framed: framed, to: call, on: eventLoop)
    }

    /// A client's request headers went out when the call opened.
    nonisolated(nonsending) func sendHead() async throws {}

    func finishRequests() {
        let call = self.call
        eventLoop.executeOnLoop { call.value.finishRequests() }
    }

    func nextMessage() async throws -> ByteBuffer? {
        try await GRPC.nextMessage(from: call, on: eventLoop)
    }

    /// Waits for the response headers.
    func responseMetadata() async throws -> Metadata {
        try await metadata { $0.waitForHead($1) }
    }

    /// Waits for the trailers.
    func trailingMetadata() async throws -> Metadata {
        try await metadata { $0.waitForTrailers($1) }
    }

    /// Parks the task on the call until `wait` resumes it; a cancelled task cancels the call
    /// (which ends the wait).
    private func metadata(
        _ wait: @escaping @Sendable (ClientCall, CheckedContinuation<Metadata, any Error>) -> Void
    ) async throws -> Metadata {
        let call = self.call
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Metadata, any Error>) in
                eventLoop.executeOnLoop { wait(call.value, continuation) }
            }
        } onCancel: {
            cancel()
        }
    }

    func cancel() {
        let call = self.call
        eventLoop.executeOnLoop { call.value.cancel() }
    }

    func fail(_ error: any Error) {
        let call = self.call
        eventLoop.executeOnLoop { call.value.failLocally(error) }
    }
}
