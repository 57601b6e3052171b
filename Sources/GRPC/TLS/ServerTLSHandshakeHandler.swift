internal import Logging
internal import NIOCore
internal import NIOSSL
internal import NIOTLS

/// Sits right after the TLS handler of a server connection: refuses a handshake that did not
/// negotiate `h2`, records the verified client certificate's names for the calls, and counts and
/// logs failed handshakes (the TLS handler's errors arrive here before HTTP/2 sees them).
final class ServerTLSHandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case handshaking
        case established
        case refused
    }

    private var state = State.handshaking
    private let peerNames: PeerCertificateNames
    private let observer: (any GRPCServerObserver)?
    private let logger: Logger
    /// The server's limit on failed-handshake lines (an attacker opens connections at will).
    private let failureLog: RateLimitedLog

    init(peerNames: PeerCertificateNames, observer: (any GRPCServerObserver)?, logger: Logger, failureLog: RateLimitedLog) {
        self.peerNames = peerNames
        self.observer = observer
        self.logger = logger
        self.failureLog = failureLog
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiatedProtocol) = event {
            guard negotiatedProtocol == "h2" else {
                refuse(
                    context: context, .alpn,
                    reason: "the client did not negotiate HTTP/2 (ALPN h2); got \(negotiatedProtocol ?? "no protocol")")
                return
            }
            state = .established
            if let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self), let certificate = tls.peerCertificate
            {
                peerNames.set(PeerCertificateNames.names(in: certificate))
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Bytes that arrived with a refused handshake never reach HTTP/2.
        guard state != .refused else { return }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .handshaking:
            refuse(context: context, TLSHandshakeFailure(error), reason: "\(error)")
        case .established:
            context.fireErrorCaught(error)
        case .refused:
            break
        }
    }

    private func refuse(context: ChannelHandlerContext, _ failure: TLSHandshakeFailure, reason: String) {
        state = .refused
        observer?.tlsHandshakeFailed(failure)
        failureLog.log(
            failure.rawValue, level: .info, "TLS handshake failed; connection closed",
            metadata: ["failure": "\(failure.rawValue)", "reason": "\(reason)"], to: logger)
        context.close(promise: nil)
    }
}
