import Bridge
import ServiceKit
import TestSupport
import Testing

@Suite struct BridgeSettingsTests {
    @Test func theReadmeDocumentsEverySettingAsDeclared() throws {
        let problems = try SettingsDocumentation.mismatches(
            BridgeConfiguration.settings, readme: "services/bridge/README.md", shared: ["docs/grpc-server-limits.md"]
        )
        #expect(problems == [])
    }

    @Test func listsAndCrossChecksAreRead() throws {
        let reader = try SettingsReader(
            arguments: ["--allowed-origins", "https://a.example, https://b.example", "--websocket-echo"],
            environment: ["COURTSIDE_TRUSTED_PROXIES": "10.0.0.0/8"]
        )
        let configuration = try BridgeConfiguration(reader: reader)
        #expect(configuration.allowedOrigins == ["https://a.example", "https://b.example"])
        #expect(configuration.trustedProxies == ["10.0.0.0/8"] && configuration.websocketEcho)
        #expect(throws: SettingsError("--trusted-proxies: 'proxy' is neither an IP address nor a CIDR range (like 10.0.0.0/8)")) {
            try BridgeConfiguration(reader: SettingsReader(arguments: ["--trusted-proxies", "proxy"], environment: [:]))
        }
        #expect(throws: SettingsError("--write-buffer-high must be greater than --write-buffer-low (got 100)")) {
            try BridgeConfiguration(
                reader: SettingsReader(arguments: ["--write-buffer-low", "100", "--write-buffer-high", "100"], environment: [:]))
        }
        #expect(throws: SettingsError("--heartbeat-seconds must be between 0.001 and 86400 seconds (got 0)")) {
            try BridgeConfiguration(reader: SettingsReader(arguments: ["--heartbeat-seconds", "0"], environment: [:]))
        }
    }
}
