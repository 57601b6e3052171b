public import Logging
public import ServiceLifecycle

/// A service's configuration: every setting it has, read in `init(reader:)` from a
/// ``SettingsReader`` (flags, environment, `--config` file, defaults).
public protocol ServiceConfiguration: Sendable {
    /// Reads every setting, whatever the others' values, so that the reader knows them all.
    init(reader: SettingsReader) throws(SettingsError)

    /// How the process logs.
    var log: LogSettings { get }

    /// How long SIGTERM lets the service finish its work.
    var shutdownGrace: Duration { get }
}

extension ServiceConfiguration {
    /// The declared settings, in the order `--help` lists them.
    public static var settings: [SettingDescription] {
        let reader = SettingsReader.defaults()
        _ = try? Self(reader: reader)
        return reader.described
    }
}

/// A service built one way, by the executable and the tests alike: from its configuration,
/// into lifecycle services that a `ServiceGroup` starts in order and stops in reverse order.
public protocol CourtsideServer: Sendable {
    associatedtype Configuration: ServiceConfiguration

    /// Opens what the service needs (storage, clients) and prepares its servers; nothing
    /// listens until the services run.
    static func build(configuration: Configuration, logger: Logger) async throws -> Self

    /// In start order.
    var services: [any Service] { get }
}
