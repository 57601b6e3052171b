import GRPC
import NIOCore

/// How a call ended, as its client saw it.
enum CallOutcome: Sendable {
    /// The server's status (OK included), and the request id it named for a failure.
    case status(GRPCStatusCode, message: String, requestID: String?)
    /// The client cancelled the call on purpose before it ended.
    case walkedAway
    /// A server stream was still open when its read budget (its deadline) ran out; `registered`:
    /// its response headers had come (a stream without them that long is worth a look).
    case openUntilDeadline(registered: Bool)
    /// What came back is no valid gRPC answer (an error that is no status, an undecodable message).
    case broken(String)
}

/// Makes a case's call over the real gRPC client with pre-encoded messages (`RawBytes`), so that
/// bytes no Swift message could hold reach the server as they are.
struct RPCCaller {
    let cluster: InProcessCluster

    /// The deadline of unary and client-streaming calls: an answer later than this is a finding.
    static let deadline: Duration = .seconds(20)

    private struct WalkAway: Error {}

    /// The outcome and the response messages received.
    func call(_ fuzzCase: FuzzCase) async -> (outcome: CallOutcome, responses: [ByteBuffer]) {
        let client = cluster.client(fuzzCase.target.service)
        let method = fuzzCase.target.method
        let messages = fuzzCase.messages.map { RawBytes($0) }
        let walkaway = fuzzCase.walkaway
        switch fuzzCase.target.kind {
        case .unary:
            let request = messages.first ?? RawBytes([])
            let call = Task { () async throws -> RawBytes in
                try await client.unary(method, request: request, options: CallOptions(timeout: Self.deadline))
            }
            if case .afterDelay(let delay) = walkaway {
                try? await Task.sleep(for: delay)
                call.cancel()
            }
            switch await call.result {
            case .success(let response):
                return (.status(.ok, message: "", requestID: nil), [response.buffer])
            case .failure(let error) where call.isCancelled && (error is CancellationError || (error as? RPCError)?.code == .cancelled):
                return (.walkedAway, [])
            case .failure(let error):
                return (Self.outcome(of: error), [])
            }

        case .serverStreaming:
            var received: [ByteBuffer] = []
            var registered = false
            var sideRequest: Task<Void, Never>?
            let outcome: CallOutcome
            do {
                let walkedAway = try await client.serverStreaming(
                    method, request: messages.first ?? RawBytes([]), options: CallOptions(timeout: fuzzCase.streamBudget)
                ) { (stream: RPCResponseStream<RawBytes>) -> Bool in
                    if let side = fuzzCase.whileOpen, !side.afterHeaders { sideRequest = start(side) }
                    // Registered once its headers came: what happens from now on is delivered.
                    _ = try await stream.metadata
                    registered = true
                    if case .afterResponses(0) = walkaway { return true }
                    if let side = fuzzCase.whileOpen, side.afterHeaders { sideRequest = start(side) }
                    for try await message in stream {
                        received.append(message.buffer)
                        if case .afterResponses(let count) = walkaway, received.count >= count { return true }
                    }
                    return false
                }
                outcome = walkedAway ? .walkedAway : .status(.ok, message: "", requestID: nil)
            } catch let error as RPCError where error.code == .deadlineExceeded {
                outcome = .openUntilDeadline(registered: registered)
            } catch {
                outcome = Self.outcome(of: error)
            }
            // The side request ends before the next case starts.
            await sideRequest?.value
            return (outcome, received)

        case .clientStreaming:
            do {
                let response: RawBytes = try await client.clientStreaming(method, options: CallOptions(timeout: Self.deadline)) { writer in
                    for (index, message) in messages.enumerated() {
                        if case .afterRequests(let count) = walkaway, index == count { throw WalkAway() }
                        try await writer.write(message)
                    }
                    if case .afterRequests(let count) = walkaway, count >= messages.count { throw WalkAway() }
                }
                return (.status(.ok, message: "", requestID: nil), [response.buffer])
            } catch is WalkAway {
                return (.walkedAway, [])
            } catch {
                return (Self.outcome(of: error), [])
            }
        }
    }

    private func start(_ side: FuzzCase.SideRequest) -> Task<Void, Never> {
        let client = cluster.client(side.service)
        return Task {
            let _: RawBytes? = try? await client.unary(
                side.method, request: RawBytes(side.message), options: CallOptions(timeout: Self.deadline))
        }
    }

    private static func outcome(of error: any Error) -> CallOutcome {
        guard let error = error as? RPCError else { return .broken("the client failed with \(type(of: error)): \(error)") }
        return .status(error.code, message: error.message, requestID: error.metadata.firstString(forKey: "courtside-request-id"))
    }
}
