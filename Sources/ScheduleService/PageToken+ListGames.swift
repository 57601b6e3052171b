public import CourtsideDomain
public import GRPC

/// `ListGames` page tokens: the key (start time, id) of the last game of the page a token
/// follows, scoped to a fingerprint of the filter, so a token cannot be replayed with another
/// filter. Pages stay stable while games are added or removed, never repeating a game and never
/// skipping one that existed all along.
extension PageToken {
    /// The token for the page after `key` under `filter`.
    public static func encode(after key: GameKey, filter: GameFilter) -> String {
        PageToken(scope: filter.fingerprint, number: UInt64(bitPattern: key.startTimeMs), text: key.id).encoded
    }

    /// The key a token continues after.
    /// - Throws: `RPCError(.invalidArgument)` when the token is not one this service issued, or
    ///   was issued for a different filter.
    public static func decode(_ token: String, filter: GameFilter) throws(RPCError) -> GameKey {
        guard let decoded = PageToken(decoding: token), !decoded.text.isEmpty else {
            throw RPCError(.invalidArgument, "page_token: not a token from a previous ListGames response")
        }
        guard decoded.scope == filter.fingerprint else {
            throw RPCError(
                .invalidArgument,
                "page_token: it was issued for a different filter; repeat the same date range, teams and statuses, or start over with no token"
            )
        }
        return GameKey(startTimeMs: Int64(bitPattern: decoded.number), id: decoded.text)
    }
}
