import GRPC
import GRPCServiceKit
import ScoreService
import ServiceKit
import Storage
import TestSupport
import Testing

@Suite struct ScoreSettingsTests {
    @Test func theReadmeDocumentsEverySettingAsDeclared() throws {
        let problems = try SettingsDocumentation.mismatches(
            ScoreServer.Configuration.settings, readme: "services/score/README.md", shared: ["docs/grpc-server-limits.md", "docs/auth.md"]
        )
        #expect(problems == [])
    }

    @Test func theDefaultsAreTheDeclaredOnes() {
        let configuration = ScoreServer.Configuration()
        #expect(configuration.grpcPort == 50051 && configuration.admin.port == 9101 && configuration.host == "127.0.0.1")
        #expect(configuration.storage == .sqliteFile(path: "data/score.sqlite"))
        #expect(configuration.scheduleAddress == "127.0.0.1:50052" && configuration.maximumMessageSize == 4 << 20)
        #expect(configuration.engine.historyLimit == 0 && configuration.engine.subscriberQueueCapacity == 10_000)
    }

    @Test func flagsAndVariablesReachTheConfiguration() throws {
        let reader = try SettingsReader(
            arguments: ["--storage", "sqlite::memory:", "--history-limit", "50", "--grpc-max-connections", "900"],
            environment: ["COURTSIDE_SUBSCRIBER_QUEUE": "7", "COURTSIDE_ADMIN_PORT": "0"]
        )
        let configuration = try ScoreServer.Configuration(reader: reader)
        try reader.finish()
        #expect(configuration.storage == .sqliteMemory && configuration.engine.historyLimit == 50)
        #expect(configuration.engine.subscriberQueueCapacity == 7 && configuration.admin.port == 0)
        #expect(configuration.grpcLimits.maxConnections == 900)
        #expect(throws: SettingsError("--max-message-bytes must be at least 1024 (got 10)")) {
            try ScoreServer.Configuration(reader: SettingsReader(arguments: ["--max-message-bytes", "10"], environment: [:]))
        }
    }

    @Test func theCARotationGraceReachesThePostgreSQLSettings() throws {
        let url = "postgres://courtside@db.internal:5432/score?sslmode=verify-full&sslrootcert=/etc/pg-ca.pem"
        func grace(_ arguments: [String], environment: [String: String] = [:]) throws -> Duration? {
            let reader = try SettingsReader(arguments: ["--storage", url] + arguments, environment: environment)
            let configuration = try ScoreServer.Configuration(reader: reader)
            try reader.finish()
            guard case .postgres(let settings) = configuration.storage else { return nil }
            return settings.retiredPoolGrace
        }
        #expect(try grace([]) == .seconds(60))
        #expect(try grace(["--postgres-ca-rotation-grace-seconds", "2.5"]) == .milliseconds(2500))
        #expect(try grace([], environment: ["COURTSIDE_POSTGRES_CA_ROTATION_GRACE_SECONDS": "0"]) == .zero)
        #expect(throws: SettingsError.self) { try grace(["--postgres-ca-rotation-grace-seconds", "-1"]) }
    }
}
