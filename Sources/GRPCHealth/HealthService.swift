public import CourtsideProto
public import CourtsideRPC
public import GRPC
import Synchronization

/// The standard `grpc.health.v1.Health` service: `Check` answers the current status of a
/// service ("" = the server as a whole), `Watch` streams it and every change.
///
/// Kubernetes' native gRPC probes call `Check` with the service name from the probe (empty by
/// default). A server that starts draining sets everything to NOT_SERVING.
public final class HealthService: HealthHandler, Sendable {
    public typealias Status = HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status]
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcherID = 0
    }

    private let state: Mutex<State>

    /// - Parameter services: the service names to report, all SERVING; "" is always included.
    public init(services: [String] = []) {
        var statuses: [String: Status] = ["": .serving]
        for service in services {
            statuses[service] = .serving
        }
        state = Mutex(State(statuses: statuses))
    }

    public var serviceNames: [String] { ["grpc.health.v1.Health"] }

    /// Sets one service's status and tells its watchers.
    public func setStatus(_ status: Status, forService service: String) {
        let watchers = state.withLock { state in
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for watcher in watchers {
            watcher.yield(status)
        }
    }

    /// Sets every known service (and the server as a whole) to NOT_SERVING: used when draining.
    public func markAllNotServing() {
        let services = state.withLock { Array($0.statuses.keys) }
        for service in services {
            setStatus(.notServing, forService: service)
        }
    }

    public func status(forService service: String) -> Status? {
        state.withLock { $0.statuses[service] }
    }

    public func check(request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
        try answer(request)
    }

    /// `Check`'s answer, from memory: probes call it every few seconds on every replica, so the
    /// server runs it inline on the event loop (no task per probe).
    private func answer(_ request: HealthCheckRequest) throws -> HealthCheckResponse {
        guard let status = status(forService: request.service) else {
            throw RPCError(.notFound, "unknown service '\(FieldCheck.shown(request.service))'")
        }
        return HealthCheckResponse(status: status)
    }

    /// As the generated registration, except that `Check` runs inline.
    public func registerMethods(with router: inout RPCRouter) {
        router.registerInlineUnary(HealthMethods.check, request: HealthCheckRequest.self, response: HealthCheckResponse.self) {
            request, _ in
            try self.answer(request)
        }
        router.registerServerStreaming(HealthMethods.watch, request: HealthCheckRequest.self, response: HealthCheckResponse.self) {
            request, response, context in
            try await self.watch(request: request, response: response, context: context)
        }
    }

    public func watch(
        request: HealthCheckRequest,
        response: RPCWriter<HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let (stream, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[id] = (request.service, continuation)
            continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
            return id
        }
        defer {
            _ = state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        var last: Status?
        for await status in stream {
            if status != last {
                try await response.write(HealthCheckResponse(status: status))
                last = status
            }
        }
    }

    /// Ends every Watch stream (at shutdown, after the final status was sent).
    public func finishWatchers() {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            return state.watchers.values.map(\.continuation)
        }
        for watcher in watchers {
            watcher.finish()
        }
    }
}
