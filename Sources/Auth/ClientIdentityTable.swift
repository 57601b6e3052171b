public import Foundation

/// Who a verified client certificate is: its subject alternative names (a URI such as
/// `spiffe://cluster/ns/courtside/sa/feed`, or a DNS name) mapped to a subject and scopes, as
/// the `--client-identities-file` document lists them (docs/auth.md):
///
///     {"identities": [
///       {"san": "spiffe://cluster/ns/courtside/sa/feed", "subject": "feed", "scopes": ["scores:publish"]}
///     ]}
///
/// A mistake anywhere (an unknown scope or field, a name listed twice, openssl's `URI:` prefix,
/// a wildcard) refuses the whole document, so that it is found when the file is written.
public struct ClientIdentityTable: Sendable, Equatable {
    /// The identity of each name, by its ``key(_:)``.
    private let identities: [String: Identity]

    public struct Problem: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    private static let fields: Set<String> = ["san", "subject", "scopes"]

    /// Parses a client identities document (`{"identities": [...]}`).
    public init(json data: Data) throws(Problem) {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch { throw Problem("is not JSON: \(error.localizedDescription)") }
        guard let object = root as? [String: Any], let entries = object["identities"] as? [Any] else {
            throw Problem("is not a client identities document (an object with an \"identities\" array)")
        }
        if let other = object.keys.sorted().first(where: { $0 != "identities" }) {
            throw Problem("has '\(other)' beside \"identities\"")
        }
        guard !entries.isEmpty else { throw Problem("lists no identities") }
        var identities: [String: Identity] = [:]
        for (index, entry) in entries.enumerated() {
            let (name, identity) = try Self.entry(entry, index: index)
            guard identities[Self.key(name)] == nil else { throw Problem("identity \(index): '\(name)' is listed twice") }
            identities[Self.key(name)] = identity
        }
        self.identities = identities
    }

    /// How many names the table maps.
    public var count: Int { identities.count }

    /// The identity of the first of `names` (a certificate's names, in its order) that the
    /// table lists; nil when it lists none of them.
    public func identity(forCertificateNames names: [String]) -> Identity? {
        for name in names {
            if let identity = identities[Self.key(name)] { return identity }
        }
        return nil
    }

    /// A name as it is compared: DNS names ignore case; a URI (which has a `:`, which a DNS name
    /// cannot) is compared exactly.
    static func key(_ name: String) -> String {
        name.contains(":") ? name : name.lowercased()
    }

    private static func entry(_ entry: Any, index: Int) throws(Problem) -> (name: String, identity: Identity) {
        guard let fields = entry as? [String: Any] else { throw Problem("identity \(index) is not an object") }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw Problem("identity \(index) has '\(unknown)', which is not one of san, subject, scopes")
        }
        guard let name = fields["san"] as? String, !name.isEmpty else { throw Problem("identity \(index) has no san (a URI or DNS name)") }
        try check(name, index: index)
        guard let subject = fields["subject"] as? String, !subject.isEmpty else {
            throw Problem("identity \(index) ('\(name)') has no subject")
        }
        guard let scopeList = fields["scopes"] as? [Any] else { throw Problem("identity \(index) ('\(name)') has no scopes array") }
        var scopes: Set<String> = []
        for scope in scopeList {
            guard let scope = scope as? String, Scope.all.contains(scope) else {
                throw Problem("identity \(index) ('\(name)') has scope '\(scope)'; the scopes are \(Scope.all.joined(separator: ", "))")
            }
            scopes.insert(scope)
        }
        return (name, Identity(subject: subject, scopes: scopes))
    }

    private static func check(_ name: String, index: Int) throws(Problem) {
        let upper = name.uppercased()
        if upper.hasPrefix("URI:") || upper.hasPrefix("DNS:") {
            throw Problem("identity \(index): write '\(name)' without openssl's '\(name.prefix(4))' prefix")
        }
        if name.contains("*") { throw Problem("identity \(index): '\(name)' has a wildcard; list each name") }
        if name.contains(where: { $0.isWhitespace }) { throw Problem("identity \(index): '\(name)' has white space") }
        if !name.contains(":") && !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) {
            throw Problem("identity \(index): '\(name)' is neither a URI (scheme:…) nor a DNS name")
        }
    }
}
