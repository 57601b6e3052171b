internal import GRPCWire
internal import NIOCore

/// A handler's reference to its call: sends responses and reads requests on the call's event
/// loop, directly when the handler already runs there.
struct ServerCallHandle: MessageSink, MessageSource {
    let eventLoop: any EventLoop
    let call: NIOLoopBound<ServerCall>

    func write(framed: ByteBuffer) async throws {
        let call = self.call
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

    func sendHead() async throws {
        let call = self.call
        if eventLoop.inEventLoop {
            try call.value.sendHead()
        } else {
            try await eventLoop.submit { try call.value.sendHead() }.get()
        }
    }

    func nextMessage() async throws -> ByteBuffer? {
        let call = self.call
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

    func complete(status: GRPCStatus, trailers: Metadata) {
        let call = self.call
        eventLoop.executeOnLoop { call.value.complete(status: status, trailers: trailers) }
    }
}
