internal import GRPCWire
internal import HTTP2Transport
internal import NIOCore

/// The gRPC side of one client connection: opens a stream per call and routes frames to it.
/// Loop-bound (it is the `HTTP2Connection`'s delegate).
final class GRPCClientConnection: HTTP2ConnectionDelegate {
    let http2: HTTP2Connection
    let authority: String
    /// "https" over TLS, "http" over cleartext h2c.
    let scheme: String
    let maximumReceiveMessageSize: Int
    let flags: ConnectionFlags
    private var calls = StreamMap<ClientCall>()

    init(http2: HTTP2Connection, authority: String, scheme: String, maximumReceiveMessageSize: Int, flags: ConnectionFlags) {
        self.http2 = http2
        self.authority = authority
        self.scheme = scheme
        self.maximumReceiveMessageSize = maximumReceiveMessageSize
        self.flags = flags
    }

    /// Opens a stream for a call; nil when this connection takes no new streams.
    func openCall(method: MethodDescriptor, options: CallOptions) -> ClientCall? {
        guard http2.isAcceptingStreams else { return nil }
        var headers: HTTP2HeaderList = [
            (":method", "POST"),
            (":scheme", scheme),
            (":path", method.path),
            (":authority", authority),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            ("user-agent", "courtside-grpc/1.0"),
        ]
        if let timeout = options.timeout {
            headers.append(("grpc-timeout", GRPCTimeout(timeout).headerValue))
        }
        headers.append(contentsOf: options.metadata.wireHeaders)
        guard let streamID = http2.submitRequest(headers: headers) else { return nil }
        let call = ClientCall(streamID: streamID, connection: self, method: method)
        calls[streamID] = call
        return call
    }

    func connection(_ connection: HTTP2Connection, didReceiveHeaders headers: HTTP2ReceivedHeaders, streamID: Int32, endStream: Bool) {
        calls[streamID]?.receivedHeaders(headers.list, endStream: endStream)
    }

    func connection(_ connection: HTTP2Connection, didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32) {
        guard let call = calls[streamID] else {
            http2.consume(streamID: streamID, count: bytes.count)
            return
        }
        call.receivedData(bytes)
    }

    func connection(_ connection: HTTP2Connection, didReceiveEndStream streamID: Int32) {
        calls[streamID]?.receivedEndStream()
    }

    func connection(_ connection: HTTP2Connection, didCloseStream streamID: Int32, errorCode: HTTP2ErrorCode) {
        calls.removeValue(forKey: streamID)?.streamClosed(errorCode: errorCode)
    }

    func connection(_ connection: HTTP2Connection, didDrainStream streamID: Int32) {
        calls[streamID]?.resumeDrainWaiter(nil)
    }

    func connectionDidProcessInput(_ connection: HTTP2Connection) {}

    func connection(_ connection: HTTP2Connection, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        // New calls go to a new connection; streams above lastStreamID were not processed.
        flags.markUnusable()
        for (streamID, call) in calls.entries where streamID > lastStreamID {
            calls.removeValue(forKey: streamID)
            call.connectionEnded(RPCError(.unavailable, "the server is shutting down (GOAWAY \(errorCode)); the call was not processed"))
        }
    }

    func connectionDidClose(_ connection: HTTP2Connection) {
        flags.markUnusable()
        flags.markClosed()
        let open = calls.entries
        calls.removeAll()
        for (_, call) in open {
            call.connectionEnded(RPCError(.unavailable, "connection to \(authority) closed"))
        }
    }
}
