internal import GRPCWire
internal import NIOCore

/// A handler's reference to its call: sends responses and reads requests on the call's event
/// loop, directly when the handler already runs there.
struct ServerCallHandle: MessageSink, MessageSource {
    let eventLoop: any EventLoop
    let call: NIOLoopBound<ServerCall>

    nonisolated(nonsending) func write(framed: ByteBuffer) async throws {
        try await GRPC.write(framed: framed, to: call, on: eventLoop)
    }

    nonisolated(nonsending) func sendHead() async throws {
        let call = self.call
        if eventLoop.inEventLoop {
            try call.value.sendHead()
        } else {
            try await eventLoop.submit { try call.value.sendHead() }.get()
        }
    }

    func nextMessage() async throws -> ByteBuffer? {
        try await GRPC.nextMessage(from: call, on: eventLoop)
    }

    func complete(status: GRPCStatus, trailers: Metadata) {
        let call = self.call
        eventLoop.executeOnLoop { call.value.complete(status: status, trailers: trailers) }
    }
}
