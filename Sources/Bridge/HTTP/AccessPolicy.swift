public import NIOCore
import Synchronization

/// Who may connect: the `Origin` allow-list (§1) and the number of WebSocket + SSE connections
/// per client address (§8), where the client address of a request from a trusted proxy (an
/// address or CIDR range) is the last untrusted address of its `X-Forwarded-For`.
public final class AccessPolicy: Sendable {
    private let allowAnyOrigin: Bool
    private let allowedOrigins: Set<String>
    private let trustedProxies: [AddressRange]
    private let maxConnectionsPerIP: Int
    private let connections = Mutex<[String: Int]>([:])

    /// A policy from the configured origins, proxies and per-client limit. Proxies that are not
    /// addresses or CIDR ranges are ignored (the bridge's options reject them at startup).
    public init(allowedOrigins: [String], trustedProxies: [String], maxConnectionsPerIP: Int) {
        let origins = allowedOrigins.map { Self.normalise($0) }.filter { !$0.isEmpty }
        self.allowAnyOrigin = origins.contains("*")
        self.allowedOrigins = Set(origins)
        self.trustedProxies = trustedProxies.compactMap { AddressRange($0.trimmingSpaces()) }
        self.maxConnectionsPerIP = maxConnectionsPerIP
    }

    /// Whether a request may open a WebSocket or an SSE stream: no `Origin` (not a browser),
    /// the request's own origin (`http://` or `https://` + `Host`), or a configured one.
    public func isOriginAllowed(origin: String?, host: String?) -> Bool {
        guard let origin, !origin.isEmpty else { return true }
        if allowAnyOrigin { return true }
        let normalised = Self.normalise(origin)
        if allowedOrigins.contains(normalised) { return true }
        if let host, !host.isEmpty {
            let ownHost = host.lowercased()
            if normalised == "http://" + ownHost || normalised == "https://" + ownHost { return true }
        }
        return false
    }

    /// The client's address: the peer, or for a trusted proxy the rightmost address of
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    public func clientAddress(peer: SocketAddress?, forwardedFor: [String]) -> String {
        let peerIP = peer?.ipAddress ?? "unknown"
        guard isTrustedProxy(peerIP) else { return peerIP }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !isTrustedProxy(hop) {
            return hop
        }
        return hops.first ?? peerIP
    }

    /// Parses the address once, whatever the number of ranges.
    private func isTrustedProxy(_ address: String) -> Bool {
        guard !trustedProxies.isEmpty, let bytes = AddressRange.bytes(of: address) else { return false }
        return trustedProxies.contains { $0.contains(bytes: bytes) }
    }

    /// Takes a connection slot for `client`; false when it already has the maximum.
    public func acquire(_ client: String) -> Bool {
        connections.withLock { connections in
            let open = connections[client, default: 0]
            guard open < maxConnectionsPerIP else { return false }
            connections[client] = open + 1
            return true
        }
    }

    /// Gives back a slot taken by `acquire`.
    public func release(_ client: String) {
        connections.withLock { connections in
            let open = connections[client, default: 0] - 1
            connections[client] = open > 0 ? open : nil
        }
    }

    /// Connections `client` has open now.
    public func openConnections(_ client: String) -> Int {
        connections.withLock { $0[client, default: 0] }
    }

    private static func normalise(_ origin: String) -> String {
        var text = origin.trimmingSpaces().lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
