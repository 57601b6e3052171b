import NIOCore
import NIOHTTP1

/// Runs a connection's `RequestDeadline`: first in the pipeline, it sees every byte the client
/// sends; `HTTPHandler` tells it when a head arrived and when an answer was written. When the
/// deadline passes it answers 408 (if part of a head came) and closes the connection. It leaves
/// the pipeline when the connection becomes a WebSocket.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let name = "courtside-request-deadline"

    private var deadline: RequestDeadline
    private let metrics: BridgeMetrics
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var expired = false

    init(headTimeout: TimeAmount, idleTimeout: TimeAmount, now: NIODeadline, metrics: BridgeMetrics) {
        self.deadline = RequestDeadline(now: now, headTimeout: headTimeout, idleTimeout: idleTimeout)
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        arm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !expired else { return }
        deadline.bytesArrived(now: context.eventLoop.now)
        arm()
        context.fireChannelRead(data)
    }

    // MARK: From the HTTP handler

    /// A complete request head reached the HTTP handler.
    func headReceived() {
        deadline.headReceived()
    }

    /// An answer was written: the connection waits for its next request.
    func answerCompleted() {
        guard let context else { return }
        deadline.answerCompleted(now: context.eventLoop.now)
        arm()
    }

    // MARK: Timer

    /// One timer at a time, set for the current deadline; deadlines mostly move later, so the
    /// timer usually fires early, finds a later deadline and sets itself again. Only a deadline
    /// that moves earlier (an idle connection starting a head) replaces the timer.
    private func arm() {
        guard let context, let next = deadline.deadline else { return }
        if let timerDeadline, timerDeadline <= next { return }
        timer?.cancel()
        timerDeadline = next
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: next) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let context, !expired else { return }
        guard let expiry = deadline.expiry(now: context.eventLoop.now) else {
            arm()
            return
        }
        expired = true
        switch expiry {
        case .head(started: true):
            metrics.refused(.headTimeout)
            let answer = HTTPAnswer.error(.requestTimeout, code: "request_timeout", message: "the request head did not arrive in time")
            let channel = context.channel
            context.writeAndFlush(NIOAny(answer.encoded())).whenComplete { _ in channel.close(promise: nil) }
        case .head(started: false):
            metrics.refused(.headTimeout)
            context.close(promise: nil)
        case .idle:
            metrics.refused(.idleTimeout)
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}
