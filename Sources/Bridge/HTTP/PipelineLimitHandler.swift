import NIOCore
import NIOHTTP1

/// Requests a client may send ahead of their answers. NIO's decoder turns a whole read into
/// requests at once and its pipelining handler keeps them until their turn: 64 KiB of tiny
/// pipelined requests would cost far more decoded than their bytes. Browsers never pipeline;
/// past the limit the connection is closed.
final class PipelineLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "courtside-pipeline-limit"
    /// Requests received and not yet answered, at most.
    static let maximumPending = 16

    private let metrics: BridgeMetrics
    private var pending = 0
    private var closing = false

    init(metrics: BridgeMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        if case .head = unwrapInboundIn(data) {
            pending += 1
            if pending > Self.maximumPending {
                closing = true
                metrics.refused(.pipelined)
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pending = max(0, pending - 1) }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension PipelineLimitHandler: Sendable {}
