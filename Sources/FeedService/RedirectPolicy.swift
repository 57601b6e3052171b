import FeedSources
import Foundation

/// Which redirects the feed's HTTP client follows (`--poll-max-redirects`,
/// `--redirect-allow-hosts`).
///
/// A redirect within the same origin (scheme, host and port) is followed; one to another origin
/// only when its host is on the allow-list; one from https to http never, whatever the list
/// says. A provider that redirects elsewhere could otherwise point the feed at an internal
/// address, or downgrade it to plain text that anyone on the path may rewrite.
public struct RedirectPolicy: Sendable, Hashable {
    /// Most redirects followed for one request (0: none).
    public var maximumRedirects = 5
    /// Hosts (lower case, IPv6 without brackets) a redirect may lead to from another origin.
    public var allowedHosts: Set<String> = []

    /// The defaults: up to five redirects, within the same origin only.
    public init() {}

    /// A policy allowing `maximumRedirects` redirects and cross-origin ones to `allowedHosts`.
    public init(maximumRedirects: Int, allowedHosts: Set<String>) {
        self.maximumRedirects = maximumRedirects
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// Why a redirect is not followed.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        /// What was wrong, for the log.
        public let description: String
    }

    /// Where the redirect answered to a request for `current` leads.
    /// - Parameters:
    ///   - location: the response's `Location` header values.
    ///   - current: the URL that was redirected.
    ///   - visited: every URL requested so far for this fetch, the first one included.
    public func target(of location: [String], from current: HTTPURL, visited: [HTTPURL]) throws(Refusal) -> HTTPURL {
        guard visited.count <= maximumRedirects else {
            throw Refusal(description: "more than \(maximumRedirects) redirects")
        }
        guard location.count == 1, let text = location.first, !text.isEmpty else {
            throw Refusal(description: location.isEmpty ? "no Location header" : "\(location.count) Location headers")
        }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), let next = current.resolving(text) else {
            throw Refusal(description: "unusable Location \(Excerpt.quoted(text))")
        }
        if current.isTLS && !next.isTLS {
            throw Refusal(description: "from https to http (\(Excerpt.quoted(next.description))): never followed")
        }
        if !next.isSameOrigin(as: current) && !allowedHosts.contains(next.host.lowercased()) {
            throw Refusal(
                description: "to another origin (\(Excerpt.quoted(next.description))) whose host is not in --redirect-allow-hosts")
        }
        if visited.contains(next) {
            throw Refusal(description: "a loop back to \(Excerpt.quoted(next.description))")
        }
        return next
    }

    /// Parses `--redirect-allow-hosts`: host names or addresses separated by commas; spaces
    /// around them are ignored, IPv6 addresses may be in brackets.
    public static func hosts(_ text: String) throws(Refusal) -> Set<String> {
        var hosts: Set<String> = []
        for entry in text.split(separator: ",") {
            var host = entry.trimmingCharacters(in: .whitespaces).lowercased()
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host.isEmpty { continue }
            let characters = host.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0))
            }
            // One colon is a port ("example.com:8443"); an IPv6 address has at least two.
            let colons = host.filter { $0 == ":" }.count
            guard characters, colons != 1, host.utf8.count <= 253 else {
                throw Refusal(description: "\(Excerpt.quoted(String(entry))) is not a host name or address (no scheme, port or path)")
            }
            hosts.insert(host)
        }
        return hosts
    }
}
