public import GRPCWire
internal import NIOCore

/// Sends messages on a stream: a server's responses or a client's requests.
///
/// `write` waits while the stream's unsent bytes exceed the high-water mark (the peer is slow or
/// its flow-control window is closed), so a producer can never queue without bound.
///
/// The write path is `nonisolated(nonsending)` down to the call: it runs on the caller's executor,
/// so a handler running on its connection's event loop sends each message without the executor
/// switch (and preferred-executor lookup) that a plain `nonisolated async` call makes.
public struct RPCWriter<Message: GRPCMessage>: Sendable {
    let sink: any MessageSink

    public nonisolated(nonsending) func write(_ message: Message) async throws {
        var buffer = ByteBuffer()
        try GRPCMessageFramer.frame(message, into: &buffer)
        try await sink.write(framed: buffer)
    }

    /// Sends the response headers now, ahead of the first message, so that the client learns
    /// the call was accepted (for instance a subscription that is registered but has nothing to
    /// deliver yet). Response metadata added after this is not sent. A client's writer has
    /// already sent its headers: there this does nothing.
    public nonisolated(nonsending) func sendHeaders() async throws {
        try await sink.sendHead()
    }

    public nonisolated(nonsending) func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages {
            try await write(message)
        }
    }
}

/// The messages a client sends to a streaming handler.
public struct RPCRequestStream<Message: GRPCMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let source: any MessageSource

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any MessageSource

        public mutating func next() async throws -> Message? {
            guard let buffer = try await source.nextMessage() else { return nil }
            return try decodeRequest(Message.self, from: buffer)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source)
    }
}

/// The messages a server sends back; iteration ends after the last message with an OK status,
/// or throws `RPCError` with the server's status.
public struct RPCResponseStream<Message: GRPCMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let call: ClientCallHandle

    init(call: ClientCallHandle) {
        self.call = call
    }

    /// The server's initial metadata (response headers). Waits for them.
    public var metadata: Metadata {
        get async throws { try await call.responseMetadata() }
    }

    /// The trailing metadata, once the stream has ended.
    public var trailingMetadata: Metadata {
        get async throws { try await call.trailingMetadata() }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let call: ClientCallHandle

        public mutating func next() async throws -> Message? {
            guard let buffer = try await call.nextMessage() else { return nil }
            return try decodeResponse(Message.self, from: buffer)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(call: call)
    }
}

/// A request the server cannot parse: the client's fault (INVALID_ARGUMENT). The decoder's
/// reason stays in the server's log: the client is told only the message type and a request id.
struct RequestDecodingError: Error, CustomStringConvertible {
    let messageType: String
    let underlying: any Error

    var description: String { "could not decode the request as \(messageType)" }
}

func decodeRequest<Message: GRPCMessage>(_: Message.Type, from buffer: ByteBuffer) throws -> Message {
    do {
        return try Message(buffer: buffer)
    } catch let error as RPCError {
        throw error
    } catch {
        throw RequestDecodingError(messageType: "\(Message.self)", underlying: error)
    }
}

/// A response the client cannot parse is an internal error of the call.
func decodeResponse<Message: GRPCMessage>(_: Message.Type, from buffer: ByteBuffer) throws -> Message {
    do {
        return try Message(buffer: buffer)
    } catch let error as RPCError {
        throw error
    } catch {
        throw RPCError(.internal, "could not decode response as \(Message.self): \(error)")
    }
}
