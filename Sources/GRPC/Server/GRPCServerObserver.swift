/// Receives what a server does, for metrics. Called on event loops: keep it cheap.
///
/// Every value it is given comes from a closed set (registered methods, status codes, limits),
/// never from a client: a request for a method that is not registered is reported with a nil
/// method.
public protocol GRPCServerObserver: Sendable {
    func connectionOpened()
    func connectionClosed()
    /// A call to a registered method started.
    func callStarted(method: MethodDescriptor)
    /// A started call ended with `code`.
    func callFinished(method: MethodDescriptor, code: GRPCStatusCode, duration: Duration)
    /// A request was refused before any handler ran: an unknown method (nil), malformed or
    /// oversized headers (nil: the method is not known yet).
    func callRejected(method: MethodDescriptor?, code: GRPCStatusCode)
    /// The server enforced a limit on a client (the call or connection was ended).
    func limitReached(_ limit: GRPCServerLimit)
    /// A TLS handshake failed and its connection was closed.
    func tlsHandshakeFailed(_ failure: TLSHandshakeFailure)
}

extension GRPCServerObserver {
    public func limitReached(_ limit: GRPCServerLimit) {}
    public func tlsHandshakeFailed(_ failure: TLSHandshakeFailure) {}
}
