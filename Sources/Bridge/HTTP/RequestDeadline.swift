import NIOCore

/// When an HTTP connection must next show progress, so that nobody holds a connection by
/// sending nothing or a head a byte at a time (slow loris):
/// - a new connection must complete its first request head within `headTimeout`;
/// - after an answer, a keep-alive connection may wait `idleTimeout` for its next request, and
///   from that request's first byte its head must be complete within `headTimeout`;
/// - while a request is being answered (an SSE stream for as long as it lasts) nothing runs out.
///
/// The WebSocket upgrade request is a head like any other: the upgrade completes within the
/// head's time, and the connection leaves HTTP (and these deadlines) behind.
struct RequestDeadline {
    /// What ran out.
    enum Expiry: Equatable {
        /// The head was not complete in time; `started` when some of it had arrived (the client
        /// then gets 408; a connection that sent nothing is just closed).
        case head(started: Bool)
        /// No request came for `idleTimeout` after the previous answer.
        case idle
    }

    private enum Waiting {
        case head
        case idle
    }

    let headTimeout: TimeAmount
    let idleTimeout: TimeAmount
    private var requestsInProgress = 0
    /// Bytes arrived since the last complete head (a head under way).
    private var bytesSinceHead = false
    /// What the connection is waiting for and since when; nil while a request is in progress.
    private var waiting: (kind: Waiting, since: NIODeadline)?

    /// A connection opened at `now`: its first head is due within `headTimeout`.
    init(now: NIODeadline, headTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.waiting = (.head, now)
    }

    /// Bytes came from the client.
    mutating func bytesArrived(now: NIODeadline) {
        bytesSinceHead = true
        if let waiting, case .idle = waiting.kind { self.waiting = (.head, now) }
    }

    /// A complete request head was decoded: a request is in progress.
    mutating func headReceived() {
        requestsInProgress += 1
        bytesSinceHead = false
        waiting = nil
    }

    /// A request's answer was written. With none left in progress the connection waits again:
    /// for a head already under way (counted from now, the earliest it can be read), or idle.
    mutating func answerCompleted(now: NIODeadline) {
        requestsInProgress = max(0, requestsInProgress - 1)
        guard requestsInProgress == 0 else { return }
        waiting = (bytesSinceHead ? .head : .idle, now)
    }

    /// When the connection runs out, if it is waiting.
    var deadline: NIODeadline? {
        guard let waiting else { return nil }
        switch waiting.kind {
        case .head: return waiting.since + headTimeout
        case .idle: return waiting.since + idleTimeout
        }
    }

    /// What ran out by `now`, if anything.
    func expiry(now: NIODeadline) -> Expiry? {
        guard let waiting, let deadline, now >= deadline else { return nil }
        switch waiting.kind {
        case .head: return .head(started: bytesSinceHead)
        case .idle: return .idle
        }
    }
}
