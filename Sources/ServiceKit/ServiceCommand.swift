import Foundation
public import Logging

/// What every service executable does: read its configuration (or print `--help`), set up
/// logging, build the service and run it until SIGTERM or SIGINT.
public struct ServiceCommand: Sendable {
    /// The executable's name, as `--help` and messages show it.
    public let name: String
    /// One line on what the service is for.
    public let abstract: String

    public init(name: String, abstract: String) {
        self.name = name
        self.abstract = abstract
    }

    /// The configuration from the process's flags, environment and `--config` file. Prints
    /// the help and exits 0 on `--help`; prints the problem and exits 64 on a usage error.
    public func configuration<Configuration: ServiceConfiguration>(
        _ type: Configuration.Type
    ) -> Configuration {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        if CommandLineArguments.asksForHelp(arguments) {
            print(SettingsHelp(command: name, abstract: abstract, settings: Configuration.settings).text, terminator: "")
            exit(0)
        }
        do {
            let reader = try SettingsReader(arguments: arguments, environment: environment)
            let configuration = try Configuration(reader: reader)
            try reader.finish()
            return configuration
        } catch {
            exitForUsage(error)
        }
    }

    /// Logs as the configuration says, under `label`.
    public func logger(_ label: String, _ configuration: some ServiceConfiguration) -> Logger {
        LoggingSetup.bootstrap(level: configuration.log.level, format: configuration.log.format)
        return Logger(label: label)
    }

    /// Builds the service and runs its services in a group until SIGTERM or SIGINT, then
    /// drains them within the grace period. Exits 64 when the service refuses its
    /// configuration, 1 when it cannot start or fails.
    public func run<Server: CourtsideServer>(
        _ server: Server.Type, configuration: Server.Configuration, logger: Logger
    ) async -> Never {
        do {
            let built = try await Server.build(configuration: configuration, logger: logger)
            try await ServiceRunner.run(built.services, grace: configuration.shutdownGrace, logger: logger)
            exit(0)
        } catch let error as any UsageError {
            exitForUsage(error)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    private func exitForUsage(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("error: \(error)\nSee '\(name) --help' for every setting.\n".utf8))
        exit(64)
    }
}
