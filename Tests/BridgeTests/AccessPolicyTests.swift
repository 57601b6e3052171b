import Bridge
import NIOCore
import Testing

@Suite struct AccessPolicyTests {
    @Test func ownOriginAndConfiguredOnes() {
        let policy = AccessPolicy(allowedOrigins: ["https://courtside.example.com/"], trustedProxies: [], maxConnectionsPerIP: 1)
        #expect(policy.isOriginAllowed(origin: nil, host: "bridge:8080"))
        #expect(policy.isOriginAllowed(origin: "http://bridge:8080", host: "bridge:8080"))
        #expect(policy.isOriginAllowed(origin: "https://Bridge:8080", host: "bridge:8080"))
        #expect(policy.isOriginAllowed(origin: "https://courtside.example.com", host: "bridge:8080"))
        #expect(!policy.isOriginAllowed(origin: "https://evil.example", host: "bridge:8080"))
        #expect(!policy.isOriginAllowed(origin: "http://bridge:8081", host: "bridge:8080"))
        let any = AccessPolicy(allowedOrigins: ["*"], trustedProxies: [], maxConnectionsPerIP: 1)
        #expect(any.isOriginAllowed(origin: "https://evil.example", host: nil))
    }

    @Test func forwardedForOnlyFromTrustedProxies() throws {
        let policy = AccessPolicy(allowedOrigins: [], trustedProxies: ["10.0.0.1", "10.0.0.2"], maxConnectionsPerIP: 1)
        let proxy = try SocketAddress(ipAddress: "10.0.0.1", port: 4000)
        let stranger = try SocketAddress(ipAddress: "192.0.2.7", port: 4000)
        #expect(policy.clientAddress(peer: proxy, forwardedFor: ["198.51.100.1, 203.0.113.9"]) == "203.0.113.9")
        #expect(policy.clientAddress(peer: proxy, forwardedFor: ["203.0.113.9", "10.0.0.2"]) == "203.0.113.9")
        #expect(policy.clientAddress(peer: proxy, forwardedFor: []) == "10.0.0.1")
        #expect(policy.clientAddress(peer: stranger, forwardedFor: ["203.0.113.9"]) == "192.0.2.7")
    }

    @Test func trustedProxiesMayBeCIDRRanges() throws {
        let policy = AccessPolicy(allowedOrigins: [], trustedProxies: ["10.0.0.0/8", " fd00::/8 ", "192.168.1.1"], maxConnectionsPerIP: 1)
        let podProxy = try SocketAddress(ipAddress: "10.244.3.17", port: 4000)
        let v6Proxy = try SocketAddress(ipAddress: "fd12::5", port: 4000)
        let outside = try SocketAddress(ipAddress: "11.0.0.1", port: 4000)
        #expect(policy.clientAddress(peer: podProxy, forwardedFor: ["203.0.113.9, 10.1.1.1"]) == "203.0.113.9")
        #expect(policy.clientAddress(peer: v6Proxy, forwardedFor: ["2001:db8::1"]) == "2001:db8::1")
        #expect(policy.clientAddress(peer: outside, forwardedFor: ["203.0.113.9"]) == "11.0.0.1")
    }

    @Test func connectionsPerClient() {
        let policy = AccessPolicy(allowedOrigins: [], trustedProxies: [], maxConnectionsPerIP: 2)
        #expect(policy.acquire("a"))
        #expect(policy.acquire("a"))
        #expect(!policy.acquire("a"))
        #expect(policy.acquire("b"))
        policy.release("a")
        #expect(policy.acquire("a"))
        policy.release("a")
        policy.release("a")
        #expect(policy.openConnections("a") == 0)
    }
}

@Suite struct StaticFilesTests {
    @Test(
        arguments: [
            ("/", "index.html"), ("/app.js", "app.js"), ("/a%20b.css", "a b.css"), ("/../x", nil), ("/%2e%2e/x", nil), ("/.env", nil),
            ("/x/.git/config", nil), ("//etc/passwd", nil), ("/a\\b", nil), ("/dir/", nil),
        ] as [(String, String?)])
    func paths(_ path: String, _ expected: String?) {
        #expect(StaticFiles.relativePath(forRequestPath: path) == expected)
    }
}

@Suite struct AddressRangeTests {
    @Test func matchesByPrefix() throws {
        let range = try #require(AddressRange("10.0.0.0/8"))
        #expect(range.contains("10.255.1.2"))
        #expect(range.contains("::ffff:10.1.2.3"), "IPv4-mapped IPv6 is the IPv4 address")
        #expect(!range.contains("11.0.0.0"))
        #expect(!range.contains("fd00::1"))
        #expect(!range.contains("not an address"))
        let odd = try #require(AddressRange("172.16.0.0/12"))
        #expect(odd.contains("172.31.255.255") && !odd.contains("172.32.0.0"))
        let v6 = try #require(AddressRange("fd00::/8"))
        #expect(v6.contains("fdff::1") && !v6.contains("fe80::1"))
        let single = try #require(AddressRange("192.0.2.7"))
        #expect(single.contains("192.0.2.7") && !single.contains("192.0.2.8"))
        #expect(AddressRange("0.0.0.0/0")?.contains("198.51.100.1") == true)
        #expect(AddressRange("10.1.2.3/8")?.description == "10.0.0.0/8")
    }

    @Test(arguments: [
        "", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08x", "fd00::/129", "10.0.0/8", "host.example", "10.0.0.0/8/8",
    ])
    func rejectsWhatIsNotARange(_ text: String) {
        #expect(AddressRange(text) == nil)
    }
}

@Suite struct APIRateLimitTests {
    private let second: UInt64 = 1_000_000_000

    @Test func burstThenSustainedRatePerClient() {
        let limit = APIRateLimit(perSecond: 5)
        for _ in 0..<10 { #expect(limit.take("a", nowNanos: second) == .allowed) }
        #expect(limit.take("a", nowNanos: second) == .refused(retryAfterSeconds: 1))
        #expect(limit.take("b", nowNanos: second) == .allowed, "another client has its own bucket")
        #expect(limit.take("a", nowNanos: second + second / 5) == .allowed, "one token back after 1/5 s")
        #expect(limit.take("a", nowNanos: second + second / 5) == .refused(retryAfterSeconds: 1))
    }

    @Test func idleClientsAreForgotten() {
        let limit = APIRateLimit(perSecond: 1)
        for client in 0..<1024 { _ = limit.take("c\(client)", nowNanos: 0) }
        #expect(limit.trackedClients() == 1024)
        // Three seconds later every bucket is full again: the next new client sweeps them out.
        _ = limit.take("late", nowNanos: 3 * second)
        #expect(limit.trackedClients() == 1)
        // A client still short of tokens is kept.
        for client in 0..<1023 { _ = limit.take("d\(client)", nowNanos: 3 * second) }
        _ = limit.take("e", nowNanos: 3 * second)
        #expect(limit.trackedClients() == 1025)
    }
}
