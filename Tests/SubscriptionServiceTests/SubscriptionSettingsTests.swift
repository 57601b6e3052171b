import GRPCServiceKit
import ServiceKit
import Storage
import SubscriptionService
import TestSupport
import Testing

@Suite struct SubscriptionSettingsTests {
    @Test func theReadmeDocumentsEverySettingAsDeclared() throws {
        let problems = try SettingsDocumentation.mismatches(
            SubscriptionServer.Configuration.settings, readme: "services/subscription/README.md",
            shared: ["docs/grpc-server-limits.md", "docs/auth.md"]
        )
        #expect(problems == [])
    }

    @Test func theDefaultsAreTheDeclaredOnes() {
        let configuration = SubscriptionServer.Configuration()
        #expect(configuration.grpcPort == 50053 && configuration.admin.port == 9103)
        #expect(configuration.storage == .sqliteFile(path: "data/subscription.sqlite"))
        #expect(configuration.scoreAddress == "127.0.0.1:50051" && configuration.scheduleAddress == "127.0.0.1:50052")
        #expect(
            configuration.subscriberQueueCapacity == 10_000 && configuration.recentEventsPerGame == 1024
                && configuration.maximumSubscriptions == 1000)
    }
}
