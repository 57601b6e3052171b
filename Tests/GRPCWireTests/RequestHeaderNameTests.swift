import Testing

@testable import GRPCWire

/// Header names are classified on their bytes; a name is custom metadata exactly when
/// `Metadata.isReserved` says it is not reserved.
@Suite struct RequestHeaderNameTests {
    static let reserved = [
        "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message",
        "grpc-status-details-bin", "content-length", "connection", "transfer-encoding", "user-agent", "host", "accept-encoding",
    ]
    static let custom = [
        "authorization", "x-custom", "x-trace-bin", "grpc-statuses", "grpc-status-details", "hostx", "tee", "t", "connections",
        "accept-encodinG", "content-typ", "user-agent-2", "grpc-messages", "a",
    ]

    @Test func customExactlyWhenNotReserved() {
        for name in Self.reserved + Self.custom {
            var bytes = Array(name.utf8)
            let kind = bytes.withUnsafeMutableBytes { RequestHeaderName(UnsafeRawBufferPointer($0)) }
            #expect((kind == .custom) == !Metadata.isReserved(name), "\(name)")
        }
        #expect(Self.reserved.allSatisfy(Metadata.isReserved))
        #expect(!Self.custom.contains(where: Metadata.isReserved))
    }
}
