public import Auth
public import GRPC
public import ServiceKit
public import Storage

/// The settings the gRPC services (score, schedule, subscription) share, declared once: where
/// they listen (host, gRPC and admin ports), what one client may make them hold, TLS, where
/// their data lives, the token they present to the services they call, who may call them, how
/// they log and how long they drain. Each service's configuration embeds one
/// (``GRPCServiceConfiguration``) and adds its own settings; `--help` lists the ports, limits,
/// TLS and storage first, then the service's own settings, then logging, auth and the grace.
public struct GRPCServiceSettings: Sendable {
    /// What differs between the services: their default ports, what their storage holds and
    /// whether they call other services (only then do they read `--client-tls-*` and
    /// `--token-file`).
    public struct Declaration: Sendable {
        public let grpcPort: Setting<Int>
        public let adminPort: Int
        public let storage: Setting<StorageLocation>
        public let callsOtherServices: Bool

        /// - Parameter storage: what the storage holds, as its help says it ("Where games are
        ///   kept"), and its SQLite file by default.
        public init(grpcPort: Int, adminPort: Int, storage: String, defaultFile: String, callsOtherServices: Bool) {
            self.grpcPort = GRPCServerSettings.port(default: grpcPort)
            self.adminPort = adminPort
            self.storage = .parsed(
                "storage", default: .sqliteFile(path: defaultFile), defaultText: "sqlite:\(defaultFile)",
                help: "\(storage): sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB.", placeholder: "location",
                parse: StorageLocation.init(parsing:)
            )
            self.callsOtherServices = callsOtherServices
        }
    }

    /// How long a PostgreSQL pool replaced after an `sslrootcert` change keeps serving the
    /// queries already on it (docs/tls.md#postgresql); part of ``storage``.
    public static let postgresCARotationGrace = Setting.seconds(
        "postgres-ca-rotation-grace-seconds", default: StorageLocation.PostgresSettings.defaultRetiredPoolGrace, in: 0...3600,
        help: "Seconds a PostgreSQL pool replaced after an sslrootcert change keeps serving the queries already on it."
    )

    /// Address the gRPC port listens on.
    public var host: String
    /// gRPC port (0: any free port).
    public var grpcPort: Int
    /// The admin port: /metrics, /healthz, /readyz.
    public var admin: AdminSettings
    /// What each gRPC client may make the server hold, and its deadlines.
    public var grpcLimits: GRPCServerLimits
    /// TLS on the gRPC port; nil: cleartext h2c.
    public var grpcTLS: ServerTLSFiles?
    /// TLS to the services it calls; nil: cleartext h2c.
    public var clientTLS: ClientTLSFiles?
    /// Where the service's data lives.
    public var storage: StorageLocation
    public var log: LogSettings
    /// The bearer token presented to the services this one calls (`--token-file`; empty: none).
    public var tokenFile: String
    /// Who may call which method (docs/auth.md).
    public var auth: AuthConfiguration
    /// How long calls may take to finish after SIGTERM.
    public var shutdownGrace: Duration

    public init(reader: SettingsReader, _ declaration: Declaration) throws(SettingsError) {
        host = try reader.read(CommonSettings.host)
        grpcPort = try reader.read(declaration.grpcPort)
        admin = try AdminSettings(reader: reader, defaultPort: declaration.adminPort)
        grpcLimits = try GRPCServerSettings.limits(from: reader)
        grpcTLS = try GRPCServerSettings.tls(from: reader)
        clientTLS = declaration.callsOtherServices ? try GRPCClientSettings.tls(from: reader) : nil
        storage = try reader.read(declaration.storage)
        let caRotationGrace = try reader.read(Self.postgresCARotationGrace)
        if case .postgres(var settings) = storage {
            settings.retiredPoolGrace = caRotationGrace
            storage = .postgres(settings)
        }
        (log, tokenFile, auth, shutdownGrace) = try reader.listedLast { () throws(SettingsError) in
            (
                try LogSettings(reader: reader),
                declaration.callsOtherServices ? try reader.read(ClientCredentialSettings.tokenFile) : "",
                try AuthConfiguration(reader: reader),
                try reader.read(CommonSettings.shutdownGrace)
            )
        }
    }
}
