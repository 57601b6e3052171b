/// Receives what a server does, for metrics. Called on event loops: keep it cheap.
public protocol GRPCServerObserver: Sendable {
    func connectionOpened()
    func connectionClosed()
    /// A call to a known method started.
    func callStarted(method: MethodDescriptor)
    /// A started call ended with `code`.
    func callFinished(method: MethodDescriptor, code: GRPCStatusCode, duration: Duration)
    /// A request was refused before any handler ran (unknown method, malformed headers).
    func callRejected(method: MethodDescriptor, code: GRPCStatusCode)
}
