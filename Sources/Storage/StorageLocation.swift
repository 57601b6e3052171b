/// Where a service keeps its data, from `--storage` / `COURTSIDE_STORAGE`:
///
/// - `sqlite:PATH` — an SQLite file (WAL mode), the embedded default;
/// - `sqlite::memory:` — SQLite in memory (nothing survives a restart);
/// - `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or `postgresql://`) — PostgreSQL, for
///   production.
public enum StorageLocation: Sendable, Hashable, CustomStringConvertible {
    case sqliteFile(path: String)
    case sqliteMemory
    case postgres(PostgresSettings)

    public struct PostgresSettings: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// `?sslmode=`: TLS to the server, and how far it is verified.
        public var sslMode: PostgresSSLMode
        /// `?sslrootcert=`: PEM CA bundle for `verify-ca` and `verify-full` (else the system's).
        public var sslRootCertificateFile: String?
        /// How long a pool replaced after an `sslrootcert` change keeps serving the queries
        /// already on it (`--postgres-ca-rotation-grace-seconds`, not part of the URL).
        public var retiredPoolGrace: Duration

        /// ``retiredPoolGrace`` unless a setting says otherwise.
        public static let defaultRetiredPoolGrace: Duration = .seconds(60)

        public init(
            host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
            sslMode: PostgresSSLMode = .disable,
            sslRootCertificateFile: String? = nil,
            retiredPoolGrace: Duration = defaultRetiredPoolGrace
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.sslMode = sslMode
            self.sslRootCertificateFile = sslRootCertificateFile
            self.retiredPoolGrace = retiredPoolGrace
        }
    }

    public struct InvalidLocation: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws {
        if text == "sqlite::memory:" {
            self = .sqliteMemory
            return
        }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else {
                throw InvalidLocation(description: "storage '\(text)': give a path (sqlite:PATH) or sqlite::memory:")
            }
            self = .sqliteFile(path: path)
            return
        }
        for scheme in ["postgres://", "postgresql://"] where text.hasPrefix(scheme) {
            self = .postgres(try Self.parsePostgres(String(text.dropFirst(scheme.count)), original: text))
            return
        }
        throw InvalidLocation(
            description:
                "storage '\(text)' is not understood: use sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    }

    private static func parsePostgres(_ rest: String, original: String) throws -> PostgresSettings {
        func fail(_ why: String) -> InvalidLocation {
            InvalidLocation(description: "storage '\(redacted(original))': \(why)")
        }
        var remainder = Substring(rest)
        var sslMode = PostgresSSLMode.disable
        var sslRootCertificateFile: String?
        if let query = remainder.firstIndex(of: "?") {
            let parameters = remainder[remainder.index(after: query)...]
            let modes = PostgresSSLMode.allCases.map(\.rawValue).joined(separator: ", ")
            for parameter in parameters.split(separator: "&") {
                let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let value = pair.count == 2 ? percentDecoded(pair[1]) : ""
                switch pair[0] {
                case "sslmode":
                    guard let mode = PostgresSSLMode(rawValue: value) else {
                        throw fail("sslmode must be one of \(modes) (got '\(value)')")
                    }
                    sslMode = mode
                case "sslrootcert":
                    guard !value.isEmpty else { throw fail("sslrootcert needs a file") }
                    sslRootCertificateFile = value
                default:
                    throw fail(
                        "unsupported parameter '\(parameter)' (only sslmode=\(PostgresSSLMode.allCases.map(\.rawValue).joined(separator: "|")) and sslrootcert=FILE)"
                    )
                }
            }
            if sslRootCertificateFile != nil && (sslMode == .disable || sslMode == .require) {
                throw fail("sslrootcert needs sslmode=verify-ca or verify-full (got sslmode=\(sslMode.rawValue))")
            }
            remainder = remainder[..<query]
        }
        guard let slash = remainder.firstIndex(of: "/") else { throw fail("no database name (…/DATABASE)") }
        let database = String(remainder[remainder.index(after: slash)...])
        guard !database.isEmpty else { throw fail("no database name (…/DATABASE)") }
        var authority = remainder[..<slash]
        var username = "postgres"
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = percentDecoded(credentials[..<colon])
                password = percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                username = percentDecoded(credentials)
            }
        }
        var host = String(authority)
        var port = 5432
        if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw fail("invalid port")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw fail("no host") }
        return PostgresSettings(
            host: host, port: port, username: username, password: password, database: database, sslMode: sslMode,
            sslRootCertificateFile: sslRootCertificateFile
        )
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with any password replaced, for logs and errors.
    public static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.firstIndex(of: "/"), let at = text.lastIndex(of: "@"), schemeEnd < at else { return text }
        let credentials = text[schemeEnd..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return text.replacingCharacters(in: text.index(after: colon)..<at, with: "***")
    }

    public var description: String {
        switch self {
        case .sqliteFile(let path): "sqlite:\(path)"
        case .sqliteMemory: "sqlite::memory:"
        case .postgres(let settings):
            "postgres://\(settings.username):***@\(settings.host):\(settings.port)/\(settings.database)"
                + (settings.sslMode == .disable ? "" : "?sslmode=\(settings.sslMode.rawValue)")
        }
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }
}

extension String {
    fileprivate func replacingCharacters(in range: Range<String.Index>, with replacement: String) -> String {
        String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
