import Storage
import Testing

/// `sslmode` and `sslrootcert` in a PostgreSQL storage URL: what each turns into, and the
/// start-up errors for anything else.
@Suite struct PostgresURLTests {
    static func settings(_ url: String) throws -> StorageLocation.PostgresSettings? {
        guard case .postgres(let settings) = try StorageLocation(parsing: url) else { return nil }
        return settings
    }

    @Test func withoutParametersTheConnectionIsCleartext() throws {
        let settings = try Self.settings("postgres://u:p@db:5432/courtside")
        #expect(settings?.sslMode == .disable && settings?.sslRootCertificateFile == nil)
    }

    @Test func everyModeAndARootCertificateAreRead() throws {
        #expect(try Self.settings("postgres://u:p@db/c?sslmode=disable")?.sslMode == .disable)
        #expect(try Self.settings("postgres://u:p@db/c?sslmode=require")?.sslMode == .require)
        #expect(try Self.settings("postgres://u:p@db/c?sslmode=verify-ca")?.sslMode == .verifyCA)
        let full = try Self.settings("postgresql://u:p@db/c?sslmode=verify-full&sslrootcert=/etc/pg/ca%20bundle.pem")
        #expect(full?.sslMode == .verifyFull && full?.sslRootCertificateFile == "/etc/pg/ca bundle.pem" && full?.database == "c")
        #expect(
            try StorageLocation(parsing: "postgres://u:p@db/c?sslmode=verify-full").description
                == "postgres://u:***@db:5432/c?sslmode=verify-full")
    }

    @Test func anUnknownModeOrParameterIsAClearError() {
        for url in [
            "postgres://u:p@db/c?sslmode=prefer", "postgres://u:p@db/c?sslmode=", "postgres://u:p@db/c?sslmode=VERIFY-FULL",
            "postgres://u:p@db/c?sslcert=/x", "postgres://u:p@db/c?sslrootcert=", "postgres://u:p@db/c?sslmode=require&sslrootcert=/ca.pem",
            "postgres://u:p@db/c?sslrootcert=/ca.pem",
        ] {
            #expect(throws: StorageLocation.InvalidLocation.self, "\(url)") { try StorageLocation(parsing: url) }
        }
        do {
            _ = try StorageLocation(parsing: "postgres://u:secret@db/c?sslmode=prefer")
        } catch {
            #expect("\(error)".contains("sslmode must be one of disable, require, verify-ca, verify-full (got 'prefer')"))
            #expect(!"\(error)".contains("secret"))
        }
    }
}
