import NIOHTTP1
import Testing

@testable import FeedService

/// The HTTP client's pure rules: which redirects are followed, which bodies are framed well
/// enough to be whole, which validators are sent back, how long a Retry-After may make it wait.
@Suite struct HTTPPolicyTests {
    static let start = HTTPURL("https://provider.example/scoreboard.json")!

    static func target(_ location: [String], from current: HTTPURL = start, policy: RedirectPolicy = RedirectPolicy()) -> String {
        do throws(RedirectPolicy.Refusal) {
            return try policy.target(of: location, from: current, visited: [current]).description
        } catch {
            return "refused: \(error)"
        }
    }

    @Test func redirectsStayWithinTheOriginUnlessAllowListed() {
        #expect(Self.target(["/v2/scoreboard.json"]) == "https://provider.example/v2/scoreboard.json")
        #expect(Self.target(["https://PROVIDER.example/x"]) == "https://PROVIDER.example/x", "host names ignore case")
        #expect(Self.target(["https://cdn.example/x"]).hasPrefix("refused: to another origin"))
        #expect(Self.target(["https://provider.example:8443/x"]).hasPrefix("refused: to another origin"))
        #expect(Self.target(["https://169.254.169.254/latest/meta-data"]).hasPrefix("refused: to another origin"))
        let allowing = RedirectPolicy(maximumRedirects: 5, allowedHosts: ["CDN.example"])
        #expect(Self.target(["https://cdn.example/x"], policy: allowing) == "https://cdn.example/x")
        #expect(Self.target(["https://cdn.example:444/x"], policy: allowing) == "https://cdn.example:444/x")
    }

    @Test func httpsNeverRedirectsToHttp() {
        let allowing = RedirectPolicy(maximumRedirects: 5, allowedHosts: ["provider.example", "cdn.example"])
        for location in ["http://provider.example/scoreboard.json", "http://cdn.example/x"] {
            #expect(Self.target([location], policy: allowing).hasPrefix("refused: from https to http"), "\(location)")
        }
        // Up to https is a change of origin like any other.
        let plain = HTTPURL("http://provider.example/x")!
        #expect(Self.target(["https://provider.example/x"], from: plain).hasPrefix("refused: to another origin"))
        #expect(Self.target(["https://provider.example/x"], from: plain, policy: allowing) == "https://provider.example/x")
    }

    @Test func redirectsAreCountedAndLoopsSeen() throws {
        let policy = RedirectPolicy(maximumRedirects: 2, allowedHosts: [])
        let a = Self.start
        let b = try #require(a.resolving("/b"))
        let c = try #require(a.resolving("/c"))
        #expect(throws: RedirectPolicy.Refusal.self) { try policy.target(of: ["/a"], from: c, visited: [a, b, c]) }
        #expect(try policy.target(of: ["/c"], from: b, visited: [a, b]) == c)
        #expect(throws: RedirectPolicy.Refusal.self) { try policy.target(of: ["/scoreboard.json"], from: b, visited: [a, b]) }
        #expect(throws: RedirectPolicy.Refusal.self) {
            try RedirectPolicy(maximumRedirects: 0, allowedHosts: []).target(of: ["/b"], from: a, visited: [a])
        }
    }

    @Test func unusableLocationsAreRefused() {
        for location in [[], ["/a", "/b"], [""], ["/a b"], ["/a\u{1}"], ["ftp://provider.example/x"], ["javascript:alert(1)"]] {
            #expect(Self.target(location).hasPrefix("refused"), "\(location)")
        }
        let long = "/" + String(repeating: "x", count: 10_000)
        #expect(Self.target(["https://other.example" + long]).count < 300, "a refusal quotes an excerpt, not the Location")
    }

    @Test func allowListsAreHostNames() throws {
        #expect(try RedirectPolicy.hosts(" a.example, B.example ,,[::1]") == ["a.example", "b.example", "::1"])
        #expect(try RedirectPolicy.hosts("") == [])
        for bad in ["https://a.example", "a.example:443", "a.example/x", "user@a.example", "a example"] {
            #expect(throws: RedirectPolicy.Refusal.self, "\(bad)") { try RedirectPolicy.hosts(bad) }
        }
    }

    static func framing(_ headers: [(String, String)], maximum: Int = 1_000) -> String {
        do throws(HTTPClient.Failure) {
            return "\(try ResponseFraming.of(HTTPHeaders(headers), maximumBodyBytes: maximum))"
        } catch {
            return error.reason
        }
    }

    @Test func onlyBodiesOfDeclaredLengthAreRead() {
        #expect(Self.framing([("Content-Length", "12")]) == "length(12)")
        #expect(Self.framing([("Content-Length", "12"), ("Content-Length", "12")]) == "length(12)")
        #expect(Self.framing([("Transfer-Encoding", "Chunked")]) == "chunked")
        #expect(Self.framing([("Content-Encoding", "identity"), ("Content-Length", "0")]) == "length(0)")
        #expect(Self.framing([]) == "invalid_response")
        #expect(Self.framing([("Content-Length", "1001")]) == "too_large")
        #expect(Self.framing([("Content-Length", "99999999999999999999999")]) == "invalid_response")
        for bad in ["-1", "+1", "0x10", "1 2", "1e3", "1.0", "١٢"] {
            #expect(Self.framing([("Content-Length", bad)]) == "invalid_response", "\(bad)")
        }
        #expect(Self.framing([("Content-Length", "1"), ("Content-Length", "2")]) == "invalid_response")
        #expect(Self.framing([("Transfer-Encoding", "gzip, chunked")]) == "invalid_response")
        #expect(Self.framing([("Transfer-Encoding", "chunked"), ("Content-Length", "5")]) == "invalid_response")
        #expect(Self.framing([("Content-Encoding", "gzip"), ("Content-Length", "5")]) == "invalid_response")
        #expect(throws: HTTPClient.Failure.self) { try ResponseFraming.length(10).check(received: 9) }
        #expect(throws: Never.self) { try ResponseFraming.length(10).check(received: 10) }
    }

    @Test func onlySafeValidatorsAreSentBack() {
        let good = CacheValidators(checking: HTTPHeaders([("ETag", "W/\"abc-123\""), ("Last-Modified", "Sun, 15 Dec 2024 20:00:00 GMT")]))
        #expect(good == CacheValidators(etag: "W/\"abc-123\"", lastModified: "Sun, 15 Dec 2024 20:00:00 GMT"))
        for etag in ["a b", "é", "\u{1}", String(repeating: "a", count: 257), ""] {
            #expect(CacheValidators(checking: HTTPHeaders([("ETag", etag)])).etag == nil, "\(etag)")
        }
        #expect(CacheValidators(checking: HTTPHeaders([("ETag", "\"a\""), ("ETag", "\"b\"")])).etag == nil)
        #expect(CacheValidators(checking: HTTPHeaders([("Last-Modified", String(repeating: "a", count: 65))])).lastModified == nil)
    }

    @Test func retryAfterIsSecondsAndCapped() {
        #expect(RetryAfter.delay(["7"]) == .seconds(7))
        #expect(RetryAfter.delay(["0"]) == .zero)
        #expect(RetryAfter.delay(["3600"]) == RetryAfter.maximum)
        #expect(RetryAfter.delay(["99999999999999999999999999"]) == RetryAfter.maximum)
        for bad in ["", "-1", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", " 5", "0x10"] {
            #expect(RetryAfter.delay([bad]) == nil, "\(bad)")
        }
        #expect(RetryAfter.delay([]) == nil && RetryAfter.delay(["1", "2"]) == nil)
    }
}

extension HTTPPolicyTests {
    static func budget(_ chunks: [String], maximum: Int) -> ResponseHeadBudget.State {
        var budget = ResponseHeadBudget(maximumBytes: maximum)
        for chunk in chunks { budget.consume(Array(chunk.utf8)) }
        return budget.state
    }

    @Test func theHeadIsMeasuredToItsEnd() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
        #expect(Self.budget([head + "{}"], maximum: head.utf8.count) == .ended)
        #expect(Self.budget([head], maximum: head.utf8.count - 1) == .exceeded)
        // Split anywhere, even inside the blank line; bare line feeds end a head too.
        #expect(Self.budget(["HTTP/1.1 200 OK\r\nA: b\r", "\n\r", "\n", String(repeating: "x", count: 100)], maximum: 30) == .ended)
        #expect(Self.budget(["HTTP/1.1 200 OK\nA: b\n\n"], maximum: 30) == .ended)
        // A long status line counts like any header.
        #expect(Self.budget(["HTTP/1.1 200 " + String(repeating: "O", count: 100)], maximum: 64) == .exceeded)
        #expect(Self.budget(["HTTP/1.1 200 OK\r\n"], maximum: 64) == .inHead(17))
        // A header line that merely contains "\r\n" pairs is not the end.
        #expect(Self.budget(["HTTP/1.1 200 OK\r\nA: b\r\nC: d\r\n"], maximum: 64) == .inHead(29))
    }
}
