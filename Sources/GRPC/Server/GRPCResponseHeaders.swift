internal import GRPCWire
internal import HTTP2Transport

/// The header blocks of a gRPC response the server sends: the head, and the status trailers.
enum GRPCResponseHeaders {
    /// The head of every successful response without custom metadata, laid out once.
    static let head = HTTP2HeaderBlock([(":status", "200"), ("content-type", "application/grpc")])
    /// The trailers of every OK status without custom metadata.
    static let okTrailers = HTTP2HeaderBlock([("grpc-status", "0")])

    static func status(_ status: GRPCStatus) -> HTTP2HeaderList {
        if status.message.isEmpty {
            return [("grpc-status", String(status.code.rawValue))]
        }
        return [("grpc-status", String(status.code.rawValue)), ("grpc-message", PercentEncoding.encode(status.messageForWire))]
    }
}
