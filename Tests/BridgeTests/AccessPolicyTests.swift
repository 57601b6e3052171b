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
    @Test(arguments: [
        ("/", "index.html"), ("/app.js", "app.js"), ("/a%20b.css", "a b.css"), ("/../x", nil), ("/%2e%2e/x", nil), ("/.env", nil),
        ("/x/.git/config", nil), ("//etc/passwd", nil), ("/a\\b", nil), ("/dir/", nil),
    ] as [(String, String?)])
    func paths(_ path: String, _ expected: String?) {
        #expect(StaticFiles.relativePath(forRequestPath: path) == expected)
    }
}
