/// Who is calling: the subject a token names (or, later, a client certificate's SAN mapped
/// through a configured table) and the scopes it grants.
public struct Identity: Sendable, Hashable {
    public let subject: String
    public let scopes: Set<String>

    public init(subject: String, scopes: Set<String>) {
        self.subject = subject
        self.scopes = scopes
    }

    /// Whether this identity holds `scope`; `admin` holds every scope.
    public func holds(_ scope: String) -> Bool {
        scopes.contains(scope) || scopes.contains(Scope.admin)
    }

    /// The identity of the call being handled (bound by ``AuthInterceptor``); nil when the
    /// call is anonymous or not intercepted.
    @TaskLocal public static var current: Identity?
}
