import NIOCore

/// The whole pipeline of a connection refused when it opened (too many connections): it writes
/// the refusal without reading the request, then closes. Nothing the client sends is parsed.
final class ConnectionRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let answer: HTTPAnswer
    private var written = false

    init(_ answer: HTTPAnswer) {
        self.answer = answer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(context: ChannelHandlerContext) {
        guard !written else { return }
        written = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(answer.encoded())).whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension ConnectionRefusalHandler: Sendable {}
