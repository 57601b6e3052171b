public import CourtsideProto
public import CourtsideRPC
public import GRPC
import Synchronization

/// `courtside.testing.v1.EchoService`: the example service that exercises every kind of RPC of
/// the gRPC layer (unary, server streaming, client streaming, bidirectional), metadata in and
/// out, requested failures, delays (for deadlines and cancellation) and the decoder's nesting
/// limit. The Swift end-to-end tests and the Python grpcio interop tests run against it.
public final class EchoService: EchoServiceHandler, Sendable {
    /// What the handlers observed, for tests that check server-side behaviour.
    public struct Observations: Sendable {
        /// Messages an `Expand` handler has handed to its writer (writes that returned).
        public var expandMessagesWritten = 0
        /// Handlers that started (a request whose deadline passed before it reached the server
        /// starts none).
        public var startedHandlers = 0
        /// Handlers that ended because they were cancelled (client cancel, deadline, shutdown).
        public var cancelledHandlers = 0
        /// Handlers that completed normally.
        public var completedHandlers = 0
    }

    private let observations = Mutex(Observations())

    public init() {}

    public var serviceNames: [String] { [EchoServiceMethods.serviceName] }

    public var observed: Observations { observations.withLock { $0 } }

    public func get(request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
        try await tracked {
            try await Self.pause(request.delayMs)
            if request.failCode != 0 {
                throw RPCError(GRPCStatusCode(rawValue: Int(request.failCode)), "failure requested: \(request.text)")
            }
            Self.echoMetadata(context)
            return EchoResponse(text: request.text, payload: Self.payload(request), metadata: Self.describe(context.requestMetadata))
        }
    }

    public func expand(request: EchoRequest, response: RPCWriter<EchoResponse>, context: ServerContext) async throws {
        try await tracked {
            Self.echoMetadata(context)
            // The headers go out at once, so a client knows the call is accepted before the first
            // (possibly delayed) message.
            if request.count > 0 { try await response.sendHeaders() }
            let payload = Self.payload(request)
            for index in 0..<request.count {
                try await Self.pause(request.delayMs)
                try await response.write(EchoResponse(text: request.text, index: index, payload: payload))
                observations.withLock { $0.expandMessagesWritten += 1 }
            }
            if request.failCode != 0 {
                throw RPCError(GRPCStatusCode(rawValue: Int(request.failCode)), "failure requested after \(request.count) messages")
            }
        }
    }

    public func collect(requests: RPCRequestStream<EchoRequest>, context: ServerContext) async throws -> EchoResponse {
        try await tracked {
            var texts: [String] = []
            var count: UInt32 = 0
            for try await request in requests {
                if request.failCode != 0 {
                    throw RPCError(GRPCStatusCode(rawValue: Int(request.failCode)), "failure requested at message \(count)")
                }
                texts.append(request.text)
                count += 1
            }
            return EchoResponse(text: texts.joined(separator: " "), index: count)
        }
    }

    public func update(requests: RPCRequestStream<EchoRequest>, response: RPCWriter<EchoResponse>, context: ServerContext) async throws {
        try await tracked {
            Self.echoMetadata(context)
            var index: UInt32 = 0
            for try await request in requests {
                try await Self.pause(request.delayMs)
                if request.failCode != 0 {
                    throw RPCError(GRPCStatusCode(rawValue: Int(request.failCode)), "failure requested at message \(index)")
                }
                try await response.write(EchoResponse(text: request.text, index: index, payload: Self.payload(request)))
                index += 1
            }
        }
    }

    public func depth(request: Nested, context: ServerContext) async throws -> EchoResponse {
        var depth: UInt32 = 1
        var current = request
        while let child = current.child {
            depth += 1
            current = child
        }
        return EchoResponse(text: current.label, index: depth)
    }

    // MARK: Helpers

    private func tracked<Result>(_ body: () async throws -> Result) async throws -> Result {
        observations.withLock { $0.startedHandlers += 1 }
        do {
            let result = try await body()
            observations.withLock { $0.completedHandlers += 1 }
            return result
        } catch {
            if error is CancellationError || Task.isCancelled {
                observations.withLock { $0.cancelledHandlers += 1 }
            }
            throw error
        }
    }

    private static func pause(_ milliseconds: UInt32) async throws {
        if milliseconds > 0 {
            try await Task.sleep(for: .milliseconds(Int(milliseconds)))
        }
    }

    /// Largest response payload a request may ask for (`response_size` is a client's u32).
    public static let maximumResponseSize: UInt32 = 16 << 20

    private static func payload(_ request: EchoRequest) -> [UInt8] {
        request.responseSize > 0 ? [UInt8](repeating: 0x61, count: Int(min(request.responseSize, maximumResponseSize))) : request.payload
    }

    /// Custom request metadata as "key=value" (binary values base64), sorted.
    private static func describe(_ metadata: Metadata) -> [String] {
        metadata.map { entry in
            switch entry.value {
            case .string(let value): "\(entry.key)=\(value)"
            case .binary(let bytes): "\(entry.key)=\(Base64.encode(bytes))"
            }
        }.sorted()
    }

    /// Echoes `echo-*` request metadata back as response headers and as trailers.
    private static func echoMetadata(_ context: ServerContext) {
        var headers = Metadata()
        var trailers = Metadata()
        for entry in context.requestMetadata where entry.key.hasPrefix("echo-") {
            headers.append(key: entry.key, value: entry.value)
            trailers.append(key: entry.key.replacingPrefix("echo-", with: "trailer-"), value: entry.value)
        }
        context.addResponseMetadata(headers)
        context.addTrailingMetadata(trailers)
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
