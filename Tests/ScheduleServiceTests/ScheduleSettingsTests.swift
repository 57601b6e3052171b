import GRPCServiceKit
import ScheduleService
import ServiceKit
import Storage
import TestSupport
import Testing

@Suite struct ScheduleSettingsTests {
    @Test func theReadmeDocumentsEverySettingAsDeclared() throws {
        let problems = try SettingsDocumentation.mismatches(
            ScheduleServerConfiguration.settings, readme: "services/schedule/README.md",
            shared: ["docs/grpc-server-limits.md", "docs/auth.md"]
        )
        #expect(problems == [])
    }

    @Test func theDefaultsAreTheDeclaredOnes() {
        let configuration = ScheduleServerConfiguration()
        #expect(configuration.grpcPort == 50052 && configuration.admin.port == 9102 && configuration.watchQueueCapacity == 1024)
        #expect(configuration.storage == .sqliteFile(path: "data/schedule.sqlite") && configuration.seedGames.isEmpty)
    }

    @Test func theSeedFileKeepsItsVariableAndNamesTheFile() throws {
        #expect(throws: SettingsError.self) {
            try ScheduleServerConfiguration(
                reader: SettingsReader(arguments: [], environment: ["COURTSIDE_SEED_GAMES_FILE": "/nonexistent/seed.json"]))
        }
        do {
            _ = try ScheduleServerConfiguration(
                reader: SettingsReader(arguments: [], environment: ["COURTSIDE_SEED_GAMES_FILE": "/nonexistent/seed.json"]))
        } catch {
            #expect(error.description.hasPrefix("--seed-games: seed games file /nonexistent/seed.json: cannot read it"))
            #expect(error.description.hasSuffix("(from COURTSIDE_SEED_GAMES_FILE)"))
        }
        #expect(throws: SettingsError("--watch-queue must be positive (got 0)")) {
            try ScheduleServerConfiguration(reader: SettingsReader(arguments: ["--watch-queue", "0"], environment: [:]))
        }
    }
}
