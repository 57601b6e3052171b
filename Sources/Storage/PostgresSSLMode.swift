/// How a PostgreSQL connection uses TLS, from the URL's `sslmode` (libpq's names): `disable`
/// (cleartext), `require` (TLS, the server not verified), `verify-ca` (its certificate chains to
/// `sslrootcert`), `verify-full` (and names the URL's host). `prefer` and `allow`, which fall
/// back to cleartext without saying so, are not offered.
public enum PostgresSSLMode: String, Sendable, Hashable, CaseIterable {
    case disable
    case require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
}
