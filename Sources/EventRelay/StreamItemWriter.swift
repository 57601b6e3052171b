public import CourtsideProto
public import CourtsideRPC
public import GRPC

/// Where a resumable stream writes: a server-streaming call's response (or, in tests, memory).
public protocol StreamItemWriter: Sendable {
    /// Sends the response headers ahead of any item.
    nonisolated(nonsending) func sendHeaders() async throws
    nonisolated(nonsending) func write(_ item: StreamItem) async throws
}

extension RPCWriter: StreamItemWriter where Message == StreamItem {}
