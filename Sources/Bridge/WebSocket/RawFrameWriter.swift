import NIOCore

/// Sits between the socket and NIO's `WebSocketFrameEncoder` (which the upgrader installs and
/// which cannot be removed): the WebSocket handler writes its prebuilt frames through this
/// handler's context, so they go to the socket as they are, shared by every connection.
final class RawFrameWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes a complete frame (not flushed).
    func write(_ frame: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(NIOAny(frame), promise: promise)
    }

    func flush() {
        context?.flush()
    }

    /// Writes and flushes; the future completes when the frame was written.
    func writeAndFlush(_ frame: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        write(frame, promise: promise)
        flush()
        return promise.futureResult
    }
}

@available(*, unavailable)
extension RawFrameWriter: Sendable {}
