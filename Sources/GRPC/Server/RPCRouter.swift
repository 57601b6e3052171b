public import GRPCWire
internal import NIOCore

/// A set of methods a server answers; generated `…Handler` protocols register into it.
public protocol RPCService: Sendable {
    /// The fully qualified names of the services this implements (for health checks and logs).
    var serviceNames: [String] { get }
    func registerMethods(with router: inout RPCRouter)
}

/// Maps `:path` to handlers.
public struct RPCRouter: Sendable {
    private(set) var methods: [String: RegisteredMethod] = [:]

    public init() {}

    /// Every registered method.
    public var descriptors: [MethodDescriptor] { methods.values.map(\.descriptor) }

    func method(forPath path: String) -> RegisteredMethod? {
        methods[path]
    }

    public mutating func register(_ service: some RPCService) {
        service.registerMethods(with: &self)
    }

    /// Puts `interceptor` around every registered method it intercepts. An inline method it
    /// intercepts stays inline for the calls the interceptor decides at once
    /// (``CallInterceptor/intercept(synchronously:handler:)``) and runs in a task for the others,
    /// since the interceptor may need to wait.
    public mutating func intercept(with interceptor: some CallInterceptor) {
        for (path, method) in methods where interceptor.intercepts(method.descriptor) {
            methods[path] = method.intercepted(by: interceptor)
        }
    }

    public mutating func registerUnary<Request: GRPCMessage, Response: GRPCMessage>(
        _ descriptor: MethodDescriptor,
        request _: Request.Type,
        response _: Response.Type,
        handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        methods[descriptor.path] = RegisteredMethod(
            descriptor: descriptor, kind: .unary,
            handler: .task { call, request, context in
                let message = try decodeRequest(Request.self, from: request ?? ByteBuffer())
                let response = try await handler(message, context)
                try await call.send(response)
            })
    }

    /// Registers a unary method whose handler runs inline on the connection's event loop, with
    /// no task: the response is framed and queued as soon as the request has been read, in the
    /// same pass. For handlers that answer from memory and never wait (as a direct executor does
    /// in grpc-java); a handler that blocks stalls every call of its connection, and one that
    /// needs to await anything belongs in `registerUnary`. Errors map to statuses as there.
    public mutating func registerInlineUnary<Request: GRPCMessage, Response: GRPCMessage>(
        _ descriptor: MethodDescriptor,
        request _: Request.Type,
        response _: Response.Type,
        handler: @escaping @Sendable (Request, ServerContext) throws -> Response
    ) {
        methods[descriptor.path] = RegisteredMethod(
            descriptor: descriptor, kind: .unary,
            handler: .inline { request, context in
                let message = try decodeRequest(Request.self, from: request ?? ByteBuffer())
                var framed = ByteBuffer()
                try GRPCMessageFramer.frame(try handler(message, context), into: &framed)
                return framed
            })
    }

    public mutating func registerServerStreaming<Request: GRPCMessage, Response: GRPCMessage>(
        _ descriptor: MethodDescriptor,
        request _: Request.Type,
        response _: Response.Type,
        handler: @escaping @Sendable (Request, RPCWriter<Response>, ServerContext) async throws -> Void
    ) {
        methods[descriptor.path] = RegisteredMethod(
            descriptor: descriptor, kind: .serverStreaming,
            handler: .task { call, request, context in
                let message = try decodeRequest(Request.self, from: request ?? ByteBuffer())
                try await handler(message, RPCWriter(sink: call), context)
            })
    }

    public mutating func registerClientStreaming<Request: GRPCMessage, Response: GRPCMessage>(
        _ descriptor: MethodDescriptor,
        request _: Request.Type,
        response _: Response.Type,
        handler: @escaping @Sendable (RPCRequestStream<Request>, ServerContext) async throws -> Response
    ) {
        methods[descriptor.path] = RegisteredMethod(
            descriptor: descriptor, kind: .clientStreaming,
            handler: .task { call, _, context in
                let response = try await handler(RPCRequestStream(source: call), context)
                try await call.send(response)
            })
    }

    public mutating func registerBidirectionalStreaming<Request: GRPCMessage, Response: GRPCMessage>(
        _ descriptor: MethodDescriptor,
        request _: Request.Type,
        response _: Response.Type,
        handler: @escaping @Sendable (RPCRequestStream<Request>, RPCWriter<Response>, ServerContext) async throws -> Void
    ) {
        methods[descriptor.path] = RegisteredMethod(
            descriptor: descriptor, kind: .bidirectionalStreaming,
            handler: .task { call, _, context in
                try await handler(RPCRequestStream(source: call), RPCWriter(sink: call), context)
            })
    }
}

/// A registered handler with its types erased: it runs one call. A class, so that every call
/// and its context refer to it with one reference count instead of copying its strings.
final class RegisteredMethod: Sendable {
    /// How a call's handler runs.
    enum Handler: Sendable {
        /// In a task started for the call (every async handler).
        case task(TaskBody)
        /// On the event loop, without a task (`registerInlineUnary`): request bytes in, the
        /// framed response out.
        case inline(Inline)
        /// An intercepted inline method: on the event loop when the interceptor decides the call
        /// at once (`attempt` sends the response through its third argument and returns true),
        /// else (`attempt` returns false, having run nothing) in a task, through `task`.
        case interceptedInline(attempt: InterceptedInline, task: TaskBody)
    }

    typealias TaskBody = @Sendable (ServerCallHandle, ByteBuffer?, ServerContext) async throws -> Void
    typealias Inline = @Sendable (ByteBuffer?, ServerContext) throws -> ByteBuffer
    typealias InterceptedInline = @Sendable (ByteBuffer?, ServerContext, _ send: (ByteBuffer) throws -> Void) throws -> Bool

    let descriptor: MethodDescriptor
    let kind: RPCKind
    let handler: Handler

    init(descriptor: MethodDescriptor, kind: RPCKind, handler: Handler) {
        self.descriptor = descriptor
        self.kind = kind
        self.handler = handler
    }

    /// The inline handler, for `registerInlineUnary` methods not intercepted.
    var inline: Inline? {
        if case .inline(let body) = handler { return body }
        return nil
    }

    /// The same method with `interceptor` around its handler: in a task, except for the calls
    /// of an inline method that the interceptor decides at once. On both paths the response is
    /// sent inside the interceptor, so that what it does after the handler (an audit line) sees
    /// a failed send as the call's outcome.
    func intercepted(by interceptor: some CallInterceptor) -> RegisteredMethod {
        switch handler {
        case .task(let run):
            return RegisteredMethod(
                descriptor: descriptor, kind: kind,
                handler: .task { call, request, context in
                    try await interceptor.intercept(context) { try await run(call, request, context) }
                })
        case .inline(let run):
            return RegisteredMethod(
                descriptor: descriptor, kind: kind,
                handler: .interceptedInline(
                    attempt: { request, context, send in
                        switch try interceptor.intercept(synchronously: context, handler: { try send(try run(request, context)) }) {
                        case .handled: true
                        case .undecided: false
                        }
                    },
                    task: { call, request, context in
                        try await interceptor.intercept(context) { try await call.write(framed: try run(request, context)) }
                    }
                ))
        case .interceptedInline(_, let task):
            // A second interceptor: in a task, always. (Inline, the outer one could decide at
            // once and the inner one not, with the outer one's handler already run.)
            return RegisteredMethod(
                descriptor: descriptor, kind: kind,
                handler: .task { call, request, context in
                    try await interceptor.intercept(context) { try await task(call, request, context) }
                })
        }
    }
}

extension ServerCallHandle {
    func send<Response: GRPCMessage>(_ response: Response) async throws {
        var buffer = ByteBuffer()
        try GRPCMessageFramer.frame(response, into: &buffer)
        try await write(framed: buffer)
    }
}
