import GRPCWire
import Testing

@Suite struct RequestHeadTests {
    private let valid: [(name: String, value: String)] = [
        (":method", "POST"), (":scheme", "http"), (":path", "/pkg.Service/Method"), (":authority", "localhost"),
        ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "100m"), ("x-custom", "1"),
    ]

    @Test func acceptsAGRPCRequest() throws {
        guard case .accepted(let head) = GRPCRequestHead.validate(headers: valid) else {
            Issue.record("not accepted")
            return
        }
        #expect(head.method == MethodDescriptor(service: "pkg.Service", method: "Method"))
        #expect(head.timeout?.duration == .milliseconds(100))
        #expect(head.metadata.firstString(forKey: "x-custom") == "1")
        #expect(head.metadata.count == 1)
    }

    @Test func readsEveryHeaderItInterpretsAndKeepsLookAlikesAsMetadata() throws {
        let headers: [(name: String, value: String)] = [
            (":method", "POST"), (":scheme", "http"), (":path", "/pkg.Service/Method"), ("host", "example.org"),
            ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "2S"),
            ("user-agent", "grpc-python/1.0"), ("grpc-encoding", "identity"), ("grpc-accept-encoding", "identity"),
            // Same lengths as names the server interprets, but custom metadata:
            ("tf", "a"), ("hosx", "b"), ("user-agenz", "c"), ("content-typf", "d"), ("grpc-timeoux", "e"),
            ("grpc-encodinh", "f"),
        ]
        guard case .accepted(let head) = GRPCRequestHead.validate(headers: headers) else {
            Issue.record("not accepted")
            return
        }
        #expect(head.path == "/pkg.Service/Method")
        #expect(head.authority == "example.org")
        #expect(head.userAgent == "grpc-python/1.0")
        #expect(head.timeout?.duration == .seconds(2))
        #expect(head.metadata.count == 6)
        for (key, value) in [
            ("tf", "a"), ("hosx", "b"), ("user-agenz", "c"), ("content-typf", "d"), ("grpc-timeoux", "e"), ("grpc-encodinh", "f"),
        ] {
            #expect(head.metadata.firstString(forKey: key) == value)
        }
    }

    @Test func anUnknownPseudoHeaderIsNeverMetadata() throws {
        var headers = valid
        headers.append((":protocol", "websocket"))
        guard case .accepted(let head) = GRPCRequestHead.validate(headers: headers) else {
            Issue.record("not accepted")
            return
        }
        #expect(head.metadata.count == 1)
    }

    @Test func answersANonGRPCContentTypeWith415() {
        var headers = valid
        headers[4] = ("content-type", "application/json")
        guard case .rejectHTTP(let status, _) = GRPCRequestHead.validate(headers: headers) else {
            Issue.record("not rejected")
            return
        }
        #expect(status == 415)
    }

    @Test func answersGETWith405() {
        var headers = valid
        headers[0] = (":method", "GET")
        guard case .rejectHTTP(let status, _) = GRPCRequestHead.validate(headers: headers) else {
            Issue.record("not rejected")
            return
        }
        #expect(status == 405)
    }

    @Test func refusesCompressionAndBadTimeouts() {
        var compressed = valid
        compressed.append(("grpc-encoding", "gzip"))
        guard case .rejectGRPC(let status, let extra) = GRPCRequestHead.validate(headers: compressed) else {
            Issue.record("not rejected")
            return
        }
        #expect(status.code == .unimplemented)
        #expect(extra.contains { $0.name == "grpc-accept-encoding" })

        var badTimeout = valid
        badTimeout[6] = ("grpc-timeout", "soon")
        guard case .rejectGRPC(let timeoutStatus, _) = GRPCRequestHead.validate(headers: badTimeout) else {
            Issue.record("not rejected")
            return
        }
        #expect(timeoutStatus.code == .internal)
    }

    @Test(arguments: ["application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8"])
    func acceptsContentTypes(value: String) {
        #expect(GRPCRequestHead.isGRPCContentType(value))
    }

    @Test(arguments: ["application/grpcx", "application/grpc+json", "text/plain", "application/grp"])
    func refusesContentTypes(value: String) {
        #expect(!GRPCRequestHead.isGRPCContentType(value))
    }

    @Test func parsesPaths() {
        #expect(MethodDescriptor(path: "/a.B/C")?.path == "/a.B/C")
        #expect(MethodDescriptor(path: "a.B/C") == nil)
        #expect(MethodDescriptor(path: "/a.B") == nil)
        #expect(MethodDescriptor(path: "/a.B/C/D") == nil)
        #expect(MethodDescriptor(path: "//C") == nil)
    }
}
