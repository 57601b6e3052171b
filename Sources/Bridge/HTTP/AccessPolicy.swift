import GRPC
public import NIOCore
import Synchronization

/// Who may connect: TCP connections on the HTTP port (for the process and per peer address, the
/// trusted proxies exempt from the latter), the `Origin` allow-list (§1) and the number of
/// WebSocket + SSE connections per client address (§8), where the client address of a request
/// from a trusted proxy (an address or CIDR range) is the last untrusted address of its
/// `X-Forwarded-For`.
public final class AccessPolicy: Sendable {
    private let allowAnyOrigin: Bool
    private let allowedOrigins: Set<String>
    private let trustedProxies: [AddressRange]
    /// WebSocket + SSE connections per client address.
    private let streams: Mutex<ConnectionAdmission>
    /// TCP connections on the HTTP port, in total and per peer address.
    private let sockets: Mutex<ConnectionAdmission>

    /// A policy from the configured origins, proxies and limits. Proxies that are not addresses
    /// or CIDR ranges are ignored (the bridge's options reject them at startup).
    public init(
        allowedOrigins: [String], trustedProxies: [String], maxConnectionsPerIP: Int, maxHTTPConnections: Int = .max,
        maxHTTPConnectionsPerIP: Int = .max
    ) {
        let origins = allowedOrigins.map { Self.normalise($0) }.filter { !$0.isEmpty }
        self.allowAnyOrigin = origins.contains("*")
        self.allowedOrigins = Set(origins)
        self.trustedProxies = trustedProxies.compactMap { AddressRange($0.trimmingSpaces()) }
        self.streams = Mutex(ConnectionAdmission(maxConnections: .max, maxConnectionsPerAddress: maxConnectionsPerIP))
        self.sockets = Mutex(ConnectionAdmission(maxConnections: maxHTTPConnections, maxConnectionsPerAddress: maxHTTPConnectionsPerIP))
    }

    /// A TCP connection on the HTTP port, counted until `connectionClosed` gives it back.
    public enum SocketAdmission: Sendable, Equatable {
        /// Counted under this peer address (nil: a trusted proxy, counted in the total only).
        case admitted(peer: String?)
        /// The process has `maxHTTPConnections` open.
        case processFull
        /// The peer address has `maxHTTPConnectionsPerIP` open.
        case addressFull
    }

    /// Counts a new TCP connection from `peer` in, or says why it is refused. Behind a proxy
    /// every browser shares the proxy's address, so trusted proxies count in the total only
    /// (their clients are limited per address by `acquire`, from `X-Forwarded-For`).
    public func admitConnection(peer: SocketAddress?) -> SocketAdmission {
        let address = peer?.ipAddress ?? "unknown"
        let key: String? = isTrustedProxy(address) ? nil : address
        switch sockets.withLock({ $0.admit(address: key) }) {
        case nil: return .admitted(peer: key)
        case .process: return .processFull
        case .address: return .addressFull
        }
    }

    /// Gives back a connection that `admitConnection` admitted.
    public func connectionClosed(peer: String?) {
        sockets.withLock { $0.release(address: peer) }
    }

    /// TCP connections open on the HTTP port.
    public var openHTTPConnections: Int { sockets.withLock { $0.openConnections } }

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

    /// Takes a WebSocket or SSE slot for `client`; false when it already has the maximum.
    public func acquire(_ client: String) -> Bool {
        streams.withLock { $0.admit(address: client) } == nil
    }

    /// Gives back a slot taken by `acquire`.
    public func release(_ client: String) {
        streams.withLock { $0.release(address: client) }
    }

    /// WebSocket + SSE connections `client` has open now.
    public func openConnections(_ client: String) -> Int {
        streams.withLock { $0.openConnections(from: client) }
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
