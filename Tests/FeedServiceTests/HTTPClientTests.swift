import FeedSources
import NIOHTTP1
import Synchronization
import Testing

@testable import FeedService

/// The feed's HTTP client against a server that misbehaves on purpose: redirects elsewhere and in
/// loops, bodies cut short, slow drips past the deadline, heads and bodies over budget. Each case
/// fails the request with its own reason; no partial body is ever returned.
@Suite struct HTTPClientTests {
    static let body = Array(#"{"events":[]}"#.utf8)

    static func limits(
        timeout: Duration = .seconds(5), head: Int = 4_096, body: Int = 4_096, redirects: RedirectPolicy = RedirectPolicy()
    ) -> HTTPClient.Limits {
        var settings = PollingSettings()
        settings.requestTimeout = timeout
        settings.maximumHeadBytes = head
        settings.maximumBodyBytes = body
        settings.redirects = redirects
        return HTTPClient.Limits(settings)
    }

    /// GETs `path` from `server`; the response, or the failure.
    static func get(
        _ server: RawHTTPServer, _ path: String, host: String = "127.0.0.1", limits: HTTPClient.Limits = limits()
    ) async throws -> Result<HTTPClient.Response, HTTPClient.Failure> {
        let url = try #require(HTTPURL(server.url(path, host: host)))
        do throws(HTTPClient.Failure) {
            return .success(try await HTTPClient().get(url, limits: limits))
        } catch {
            return .failure(error)
        }
    }

    /// The failure's metric reason, or "ok".
    static func reason(_ result: Result<HTTPClient.Response, HTTPClient.Failure>) -> String {
        switch result {
        case .success: "ok"
        case .failure(let failure): failure.reason
        }
    }

    static func serve(_ respond: @escaping @Sendable (String) -> [RawHTTPServer.Step]) async throws -> RawHTTPServer {
        try await RawHTTPServer(respond)
    }

    // MARK: Redirects

    @Test func aRedirectWithinTheOriginIsFollowed() async throws {
        let server = try await Self.serve { $0 == "/moved" ? RawHTTPServer.redirect("/here?x=1") : RawHTTPServer.response(body: Self.body) }
        let result = try await Self.get(server, "/moved")
        #expect(try result.get().body == Self.body)
        #expect(server.requested == ["/moved", "/here?x=1"])
        await server.stop()
    }

    @Test func aRedirectToAnotherHostIsRefusedUnlessTheHostIsAllowListed() async throws {
        let port = Mutex(0)
        let server = try await Self.serve { target in
            target == "/moved"
                ? RawHTTPServer.redirect("http://localhost:\(port.withLock { $0 })/elsewhere") : RawHTTPServer.response(body: Self.body)
        }
        port.withLock { $0 = server.port }
        let refused = try await Self.get(server, "/moved")
        #expect(Self.reason(refused) == "redirect")
        #expect(server.requested == ["/moved"], "nothing was asked of the other host")

        let allowed = RedirectPolicy(maximumRedirects: 5, allowedHosts: ["LocalHost"])
        let followed = try await Self.get(server, "/moved", limits: Self.limits(redirects: allowed))
        #expect(try followed.get().body == Self.body)
        await server.stop()
    }

    @Test func aRedirectToAnotherPortOfTheSameHostIsRefused() async throws {
        let server = try await Self.serve { _ in RawHTTPServer.redirect("http://127.0.0.1:9/admin") }
        #expect(Self.reason(try await Self.get(server, "/moved")) == "redirect")
        #expect(server.requested == ["/moved"])
        await server.stop()
    }

    @Test func redirectLoopsAndLongChainsAreRefused() async throws {
        let server = try await Self.serve { target in
            switch target {
            case "/a": RawHTTPServer.redirect("/b")
            case "/b": RawHTTPServer.redirect("/a")
            default:
                // /chain/1 → /chain/2 → …, never ending.
                RawHTTPServer.redirect("/chain/\((Int(target.split(separator: "/").last ?? "") ?? 0) + 1)", status: "301 Moved Permanently")
            }
        }
        let loop = try await Self.get(server, "/a")
        #expect(Self.reason(loop) == "redirect")
        #expect(server.requested == ["/a", "/b"], "the loop is seen before /a is asked again")

        let chain = try await Self.get(
            server, "/chain/1", limits: Self.limits(redirects: RedirectPolicy(maximumRedirects: 3, allowedHosts: [])))
        #expect(Self.reason(chain) == "redirect")
        #expect(server.requested.filter { $0.hasPrefix("/chain") } == ["/chain/1", "/chain/2", "/chain/3", "/chain/4"])
        await server.stop()
    }

    // MARK: Whole bodies only

    @Test func aBodyShorterThanItsContentLengthIsTruncated() async throws {
        let server = try await Self.serve { _ in
            [.send(RawHTTPServer.head("200 OK", [("Content-Length", "\(Self.body.count)")]) + Self.body.prefix(5))]
        }
        #expect(Self.reason(try await Self.get(server, "/")) == "truncated")
        await server.stop()
    }

    @Test func aChunkedBodyWithoutItsLastChunkIsTruncated() async throws {
        let server = try await Self.serve { target in
            [
                .send(
                    RawHTTPServer.head("200 OK", [("Transfer-Encoding", "chunked")])
                        + RawHTTPServer.chunked(Self.body, size: 4, last: target == "/whole"))
            ]
        }
        #expect(Self.reason(try await Self.get(server, "/cut")) == "truncated")
        #expect(try await Self.get(server, "/whole").get().body == Self.body)
        await server.stop()
    }

    @Test func aBodyEndedOnlyByTheConnectionClosingIsRefused() async throws {
        // HTTP/1.0 style: no Content-Length, not chunked. A cut could not be told from the end.
        let server = try await Self.serve { _ in [.send(RawHTTPServer.head("200 OK", [("Content-Type", "application/json")]) + Self.body)] }
        #expect(Self.reason(try await Self.get(server, "/")) == "invalid_response")
        await server.stop()
    }

    @Test func theDeadlineFailsTheRequestWhateverArrived() async throws {
        // A slow drip: the head, then a byte every 50 ms of a body that would take 1.5 s.
        let server = try await Self.serve { target in
            let head = RawHTTPServer.head("200 OK", [("Content-Length", "30")])
            switch target {
            case "/head": return [.send(Array(head.prefix(20))), .pause(.seconds(5))]
            default: return [.send(head)] + (0..<30).flatMap { _ in [RawHTTPServer.Step.pause(.milliseconds(50)), .send([0x20])] }
            }
        }
        #expect(Self.reason(try await Self.get(server, "/body", limits: Self.limits(timeout: .milliseconds(300)))) == "timeout")
        #expect(Self.reason(try await Self.get(server, "/head", limits: Self.limits(timeout: .milliseconds(300)))) == "timeout")
        await server.stop()
    }

    // MARK: Budgets

    @Test func aHeadOverItsBudgetIsRefused() async throws {
        let server = try await Self.serve { target in
            switch target {
            case "/header": RawHTTPServer.response(headers: [("X-Padding", String(repeating: "a", count: 8_000))], body: Self.body)
            case "/status": RawHTTPServer.response("200 " + String(repeating: "O", count: 8_000), body: Self.body)
            case "/headers": RawHTTPServer.response(headers: (0..<1_000).map { ("X-\($0)", "v") }, body: Self.body)
            default: RawHTTPServer.response(headers: [("X-Padding", String(repeating: "a", count: 3_000))], body: Self.body)
            }
        }
        for path in ["/header", "/status", "/headers"] {
            #expect(Self.reason(try await Self.get(server, path)) == "too_large", "\(path)")
        }
        #expect(Self.reason(try await Self.get(server, "/within")) == "ok")
        await server.stop()
    }

    @Test func aBodyOverItsBudgetIsRefused() async throws {
        let large = [UInt8](repeating: 0x20, count: 5_000)
        let server = try await Self.serve { target in
            switch target {
            case "/declared": [.send(RawHTTPServer.head("200 OK", [("Content-Length", "999999999999")])), .hold]
            case "/chunked": [.send(RawHTTPServer.head("200 OK", [("Transfer-Encoding", "chunked")]) + RawHTTPServer.chunked(large))]
            default: RawHTTPServer.response(body: large)
            }
        }
        for path in ["/declared", "/chunked", "/length"] {
            #expect(Self.reason(try await Self.get(server, path)) == "too_large", "\(path)")
        }
        #expect(Self.reason(try await Self.get(server, "/length", limits: Self.limits(body: 5_000))) == "ok")
        await server.stop()
    }

    @Test func unusableHeadsAreRefused() async throws {
        let server = try await Self.serve { target in
            switch target {
            case "/gzip": RawHTTPServer.response(headers: [("Content-Encoding", "gzip")], body: Self.body)
            case "/informational": [.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))] + RawHTTPServer.response(body: Self.body)
            case "/conflicting":
                [.send(RawHTTPServer.head("200 OK", [("Content-Length", "3"), ("Content-Length", "4")]) + Array("abcd".utf8))]
            case "/negative": [.send(RawHTTPServer.head("200 OK", [("Content-Length", "-1")]) + Self.body)]
            case "/huge": [.send(RawHTTPServer.head("200 OK", [("Content-Length", "18446744073709551616")]) + Self.body)]
            case "/no-location": RawHTTPServer.response("302 Found", body: [])
            default: [.send(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8))]
            }
        }
        for path in ["/gzip", "/informational", "/conflicting", "/negative", "/huge", "/garbage"] {
            #expect(Self.reason(try await Self.get(server, path)) == "invalid_response", "\(path)")
        }
        #expect(Self.reason(try await Self.get(server, "/no-location")) == "redirect")
        await server.stop()
    }

    @Test func theBodyOfAnErrorStatusIsNotRead() async throws {
        let server = try await Self.serve { _ in [.send(RawHTTPServer.head("503 Service Unavailable", [("Retry-After", "7")])), .hold] }
        let response = try await Self.get(server, "/").get()
        #expect(response.status == 503 && response.body.isEmpty)
        #expect(RetryAfter.delay(response.headers["retry-after"]) == .seconds(7))
        await server.stop()
    }
}
