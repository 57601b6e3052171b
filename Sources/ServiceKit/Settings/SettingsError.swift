/// A mistake in how the program was started (a setting's value, an unknown flag): the program
/// prints it with a pointer to `--help` and exits with status 64 (EX_USAGE), before it starts
/// anything.
public protocol UsageError: Error, CustomStringConvertible {}

/// A setting that cannot be used, named by its flag and, when it came from there, its
/// environment variable or file.
public struct SettingsError: UsageError, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
