import Foundation

/// An http or https URL, split into what an HTTP/1.1 request needs.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// Whether the connection uses TLS.
    public let isTLS: Bool
    /// The host name or address (IPv6 without brackets).
    public let host: String
    /// The port (80 or 443 unless given).
    public let port: Int
    /// The request target: path and query ("/x/y?z=1").
    public let target: String

    /// Parses an absolute http(s) URL; nil when it is not one.
    public init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return nil }
        isTLS = scheme == "https"
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (isTLS ? 443 : 80)
        guard (1...65535).contains(port) else { return nil }
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        self.target = target
    }

    /// The `Host` header.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Whether the host is an IP address (no TLS server name is sent for those).
    public var hostIsAddress: Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// Whether `other` has the same scheme, host (ignoring case) and port.
    public func isSameOrigin(as other: HTTPURL) -> Bool {
        isTLS == other.isTLS && port == other.port && host.lowercased() == other.host.lowercased()
    }

    /// A `Location` header resolved against this URL.
    public func resolving(_ location: String) -> HTTPURL? {
        if let absolute = HTTPURL(location) { return absolute }
        guard let base = URL(string: description), let resolved = URL(string: location, relativeTo: base) else { return nil }
        return HTTPURL(resolved.absoluteString)
    }

    /// The URL as text.
    public var description: String { "\(isTLS ? "https" : "http")://\(hostHeader)\(target)" }
}
