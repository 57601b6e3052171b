import GRPC
import Testing

/// A response head or trailers nghttp2 cannot send (here: a header block past its 64 KiB send
/// limit) resets the stream, so the client's call fails at once instead of waiting for its
/// deadline (the stream used to stay open with both ends waiting).
@Suite struct HeaderSendFailureTests {
    static let bigTrailers = MethodDescriptor(service: "test.v1.Big", method: "Trailers")
    static let bigHead = MethodDescriptor(service: "test.v1.Big", method: "Head")

    /// Metadata whose header block cannot shrink under 64 KiB (HPACK's Huffman code is at
    /// least 5 bits a character).
    static var oversized: Metadata {
        var metadata = Metadata()
        metadata.addString(String(repeating: "0123456789", count: 20_000), forKey: "x-big")
        return metadata
    }

    struct BigService: RPCService {
        var serviceNames: [String] { ["test.v1.Big"] }

        func registerMethods(with router: inout RPCRouter) {
            router.registerUnary(HeaderSendFailureTests.bigTrailers, request: RawBytes.self, response: RawBytes.self) { request, context in
                context.addTrailingMetadata(HeaderSendFailureTests.oversized)
                return request
            }
            router.registerServerStreaming(HeaderSendFailureTests.bigHead, request: RawBytes.self, response: RawBytes.self) {
                request, writer, context in
                context.addResponseMetadata(HeaderSendFailureTests.oversized)
                try await writer.write(request)
            }
        }
    }

    static func client() -> GRPCClient {
        var router = RPCRouter()
        router.register(BigService())
        return GRPCClient(inProcess: InProcessEndpoint(router: router))
    }

    @Test func trailersThatCannotBeSentFailTheCall() async throws {
        let client = Self.client()
        defer { client.close() }
        let error = await #expect(throws: RPCError.self) {
            let _: RawBytes = try await client.unary(Self.bigTrailers, request: RawBytes([1]), options: CallOptions(timeout: .seconds(30)))
        }
        #expect(error?.code == .internal)
    }

    @Test func aResponseHeadThatCannotBeSentFailsTheCall() async throws {
        let client = Self.client()
        defer { client.close() }
        let error = await #expect(throws: RPCError.self) {
            try await client.serverStreaming(Self.bigHead, request: RawBytes([1]), options: CallOptions(timeout: .seconds(30))) {
                (responses: RPCResponseStream<RawBytes>) in
                for try await _ in responses {}
            }
        }
        #expect(error?.code == .internal)
    }

    @Test func theConnectionServesOtherCallsAfterwards() async throws {
        let client = Self.client()
        defer { client.close() }
        for _ in 0..<3 {
            await #expect(throws: RPCError.self) {
                let _: RawBytes = try await client.unary(
                    Self.bigTrailers, request: RawBytes([1]), options: CallOptions(timeout: .seconds(30)))
            }
        }
        let error = await #expect(throws: RPCError.self) {
            let _: RawBytes = try await client.unary(MethodDescriptor(service: "test.v1.Big", method: "Missing"), request: RawBytes([1]))
        }
        #expect(error?.code == .unimplemented)
    }
}
