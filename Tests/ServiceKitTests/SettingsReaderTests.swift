import Foundation
import Logging
import Testing

@testable import ServiceKit

/// A configuration of a few settings of each kind, read as a service reads its own.
private struct Example: ServiceConfiguration {
    var log: LogSettings
    var shutdownGrace: Duration
    var port: Int
    var echo: Bool
    var title: String
    var address: String

    init(reader: SettingsReader) throws(SettingsError) {
        port = try reader.read(Self.port)
        echo = try reader.read(Self.echo)
        title = try reader.read(Self.title)
        address = try reader.read(ServiceAddresses.score)
        log = try LogSettings(reader: reader)
        shutdownGrace = try reader.read(CommonSettings.shutdownGrace)
    }

    static let port = Setting.port("grpc-port", default: 50051, help: "A port.")
    static let echo = Setting.switch("echo", default: false, help: "On or off.")
    static let title = Setting.text("title", environment: "COURTSIDE_OLD_TITLE", default: "", help: "A title.")

    static func read(_ arguments: [String], environment: [String: String] = [:]) throws(SettingsError) -> Example {
        let reader = try SettingsReader(arguments: arguments, environment: environment)
        let example = try Example(reader: reader)
        try reader.finish()
        return example
    }
}

@Suite struct SettingsReaderTests {
    @Test func theVariableIsDerivedFromTheName() {
        #expect(Example.port.environmentVariable == "COURTSIDE_GRPC_PORT")
        #expect(Example.port.flag == "--grpc-port")
        #expect(Example.title.environmentVariable == "COURTSIDE_OLD_TITLE")
    }

    @Test func nothingGivenReadsTheDefaults() throws {
        let example = try Example.read([])
        #expect(example.port == 50051 && !example.echo && example.title == "" && example.address == "127.0.0.1:50051")
        #expect(example.log.level == .info && example.log.format == .text && example.shutdownGrace == .seconds(20))
    }

    @Test func theFlagWinsOverTheVariableWhichWinsOverTheFile() throws {
        let file = try SettingsFile(path: "settings.json", data: Data(#"{"grpc-port": 3, "title": "file", "log-level": "debug"}"#.utf8))
        func read(_ arguments: [String], _ environment: [String: String]) throws -> Example {
            let reader = try SettingsReader(arguments: arguments, environment: environment, file: file)
            return try Example(reader: reader)
        }
        #expect(try read([], [:]).port == 3)
        #expect(try read([], ["COURTSIDE_GRPC_PORT": "2"]).port == 2)
        #expect(try read(["--grpc-port", "1"], ["COURTSIDE_GRPC_PORT": "2"]).port == 1)
        #expect(try read(["--grpc-port=1"], [:]).port == 1)
        #expect(try read([], ["COURTSIDE_OLD_TITLE": "env"]).title == "env")
        #expect(try read([], [:]).log.level == .debug)
        #expect(try read([], ["COURTSIDE_GRPC_PORT": ""]).port == 3, "an empty variable counts as unset")
    }

    @Test func aConfigurationFileIsNamedByFlagOrVariable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).json").path
        try Data(#"{"grpc-port": 7, "echo": true, "title": ["a", "b"]}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let example = try Example.read(["--config", path])
        #expect(example.port == 7 && example.echo && example.title == "a,b")
        #expect(try Example.read([], environment: ["COURTSIDE_CONFIG": path]).port == 7)
        #expect(throws: SettingsError("--config: cannot read /no/such/file.json")) { try Example.read(["--config", "/no/such/file.json"]) }
    }

    @Test func aFileKeyThatIsNoSettingIsRefused() throws {
        let file = try SettingsFile(path: "settings.json", data: Data(#"{"grpc-prot": 3}"#.utf8))
        let reader = try SettingsReader(arguments: [], environment: [:], file: file)
        _ = try Example(reader: reader)
        #expect(throws: SettingsError("--config: settings.json has 'grpc-prot', which is not a setting of this service")) {
            try reader.finish()
        }
        #expect(throws: SettingsError.self) { try SettingsFile(path: "list.json", data: Data("[1, 2]".utf8)) }
        #expect(throws: SettingsError.self) { try SettingsFile(path: "nested.json", data: Data(#"{"a": {"b": 1}}"#.utf8)) }
    }

    @Test func aMalformedValueIsNamedWithWhereItCameFrom() throws {
        #expect(throws: SettingsError("--grpc-port=fifty is not an integer")) { try Example.read(["--grpc-port", "fifty"]) }
        #expect(throws: SettingsError("environment variable COURTSIDE_GRPC_PORT=fifty is not an integer")) {
            try Example.read([], environment: ["COURTSIDE_GRPC_PORT": "fifty"])
        }
        let file = try SettingsFile(path: "s.json", data: Data(#"{"grpc-port": "fifty"}"#.utf8))
        #expect(throws: SettingsError("s.json: grpc-port=fifty is not an integer")) {
            try Example(reader: SettingsReader(arguments: [], environment: [:], file: file))
        }
        #expect(throws: SettingsError("--echo=maybe is not true or false")) { try Example.read(["--echo=maybe"]) }
        #expect(throws: SettingsError("environment variable COURTSIDE_GRPC_PORT=fifty is not an integer"), "even under a flag") {
            try Example.read(["--grpc-port", "1"], environment: ["COURTSIDE_GRPC_PORT": "fifty"])
        }
    }

    @Test func aValueOutOfRangeNamesTheFlagAndItsSource() throws {
        #expect(throws: SettingsError("--grpc-port must be between 0 and 65535 (got 70000)")) {
            try Example.read(["--grpc-port", "70000"])
        }
        #expect(throws: SettingsError("--grpc-port must be between 0 and 65535 (got -1) (from COURTSIDE_GRPC_PORT)")) {
            try Example.read([], environment: ["COURTSIDE_GRPC_PORT": "-1"])
        }
        #expect(throws: SettingsError("--score-addr must be host:port (got 'nowhere')")) { try Example.read(["--score-addr", "nowhere"]) }
        #expect(throws: SettingsError("--log-level must be one of trace, debug, info, notice, warning, error, critical (got 'loud')")) {
            try Example.read(["--log-level", "loud"])
        }
        #expect(throws: SettingsError("--shutdown-grace-seconds must be between 0 and 3600 seconds (got inf)")) {
            try Example.read(["--shutdown-grace-seconds", "inf"])
        }
    }

    @Test func unknownFlagsAndStrayArgumentsAreRefused() {
        #expect(throws: SettingsError("unknown option '--grpc-prot'")) { try Example.read(["--grpc-prot", "1"]) }
        #expect(throws: SettingsError("unknown option '--no-grpc-port'")) { try Example.read(["--no-grpc-port"]) }
        #expect(throws: SettingsError("unexpected argument 'serve' (settings are --name value)")) { try Example.read(["serve"]) }
        #expect(throws: SettingsError("unknown option '-p'")) { try Example.read(["-p", "1"]) }
        #expect(throws: SettingsError("--grpc-port needs a value")) { try Example.read(["--grpc-port", "--echo"]) }
        #expect(throws: SettingsError("--grpc-port needs a value")) { try Example.read(["--grpc-port"]) }
    }

    @Test func aSwitchIsOnAloneOffWithNoAndTakesAWord() throws {
        #expect(try Example.read(["--echo"]).echo)
        #expect(try Example.read(["--echo", "--grpc-port", "1"]).echo)
        #expect(try !Example.read(["--echo", "false"]).echo)
        #expect(try !Example.read(["--echo=off"]).echo)
        #expect(try !Example.read(["--no-echo"], environment: ["COURTSIDE_ECHO": "yes"]).echo)
        #expect(try Example.read(["--no-echo", "--echo"]).echo, "the later of the two wins")
        #expect(try Example.read([], environment: ["COURTSIDE_ECHO": "1"]).echo)
    }

    @Test func theHelpListsEverySettingWithItsVariableAndDefault() throws {
        #expect(CommandLineArguments.asksForHelp(["--grpc-port", "1", "--help"]))
        #expect(CommandLineArguments.asksForHelp(["-h"]))
        let settings = Example.settings
        #expect(
            settings.map(\.name) == [
                "config", "grpc-port", "echo", "title", "score-addr", "log-level", "log-format", "shutdown-grace-seconds",
            ])
        let help = SettingsHelp(command: "example", abstract: "An example.", settings: settings).text
        #expect(help.contains("  --grpc-port <n>\n        A port.\n        env COURTSIDE_GRPC_PORT, default: 50051\n"))
        #expect(help.contains("  --echo\n        On or off.\n        env COURTSIDE_ECHO, default: false\n"))
        #expect(help.contains("env COURTSIDE_OLD_TITLE, default: none"))
        #expect(help.contains("env COURTSIDE_SHUTDOWN_GRACE_SECONDS, default: 20"))
    }

    @Test func settingsReadToBeListedLastComeAfterTheOthers() throws {
        let reader = SettingsReader.defaults()
        let grace = try reader.listedLast { () throws(SettingsError) in try reader.read(CommonSettings.shutdownGrace) }
        _ = try reader.read(Example.port)
        // Read again outside, a setting keeps its first place.
        _ = try reader.read(CommonSettings.shutdownGrace)
        _ = try reader.read(Example.echo)
        #expect(grace == .seconds(20))
        #expect(reader.described.map(\.name) == ["config", "grpc-port", "echo", "shutdown-grace-seconds"])
    }
}
