/// The expiry of a connection's token: at its `exp` the bridge asks the page for a new one
/// (`refresh`, once per token); a connection with no valid new token `grace` later is closed.
public struct TokenLifetime: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Send `refresh`: the token has expired (or is about to).
        case refresh
        /// The grace passed without a new token: close the connection.
        case expire
    }

    public private(set) var expiresAtMs: Int64
    public let graceMs: Int64
    public private(set) var refreshSent = false

    public init(expiresAtMs: Int64, graceMs: Int64) {
        self.expiresAtMs = expiresAtMs
        self.graceMs = max(0, graceMs)
    }

    /// When the connection closes unless a new token arrives.
    public var closesAtMs: Int64 {
        let (sum, overflow) = expiresAtMs.addingReportingOverflow(graceMs)
        return overflow ? Int64.max : sum
    }

    /// A new valid token arrived: its `exp` starts the count again.
    public mutating func renew(expiresAtMs: Int64) {
        self.expiresAtMs = expiresAtMs
        refreshSent = false
    }

    /// What is due at `nowMs`.
    public mutating func check(nowMs: Int64) -> Action {
        if nowMs >= closesAtMs { return .expire }
        if nowMs >= expiresAtMs, !refreshSent {
            refreshSent = true
            return .refresh
        }
        return .none
    }

    /// Milliseconds from `nowMs` until the close (0 when due).
    public func msUntilClose(nowMs: Int64) -> Int64 {
        let (left, overflow) = closesAtMs.subtractingReportingOverflow(nowMs)
        return overflow ? Int64.max : max(0, left)
    }
}
