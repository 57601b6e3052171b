/// One setting of a service, declared once: its name (the flag is `--name`), its environment
/// variable (`COURTSIDE_NAME`), its default, its help line and how a value given as text is
/// parsed and checked. A ``SettingsReader`` takes the value from the command line, else the
/// environment, else the `--config` file, else the default.
public struct Setting<Value: Sendable>: Sendable {
    /// The flag without its dashes, which is also the key in a `--config` file.
    public let name: String
    /// `COURTSIDE_` + the name in upper case, unless the setting keeps an older variable.
    public let environmentVariable: String
    public let defaultValue: Value
    /// The default as `--help` and the service's README show it.
    public let defaultText: String
    public let help: String
    /// A switch is on with `--name` alone and off with `--no-name`; it also takes a value.
    let isSwitch: Bool
    let placeholder: String
    let parse: @Sendable (String) throws(SettingProblem) -> Value

    /// - Parameters:
    ///   - environment: the variable, when it is not the derived `COURTSIDE_NAME` (kept for
    ///     the operators who set it before the flag existed).
    ///   - parse: the value from its text, or why the text is not one.
    public init(
        _ name: String,
        environment: String? = nil,
        default defaultValue: Value,
        defaultText: String,
        help: String,
        placeholder: String = "value",
        isSwitch: Bool = false,
        parse: @escaping @Sendable (String) throws(SettingProblem) -> Value
    ) {
        self.name = name
        self.environmentVariable = environment ?? Self.derivedVariable(name)
        self.defaultValue = defaultValue
        self.defaultText = defaultText
        self.help = help
        self.placeholder = placeholder
        self.isSwitch = isSwitch
        self.parse = parse
    }

    public var flag: String { "--" + name }

    /// What `--help`, the README tests and the configuration file's key check know of it.
    public var description: SettingDescription {
        SettingDescription(
            name: name, environmentVariable: environmentVariable, defaultText: defaultText, help: help,
            placeholder: isSwitch ? nil : placeholder
        )
    }

    static func derivedVariable(_ name: String) -> String {
        "COURTSIDE_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}

/// A declared setting without its type: enough to list it.
public struct SettingDescription: Sendable, Hashable {
    public let name: String
    public let environmentVariable: String
    public let defaultText: String
    public let help: String
    /// What `--help` shows after the flag; nil for a switch.
    public let placeholder: String?

    public var flag: String { "--" + name }
}

/// Why a text is not a value of a setting. The reader turns it into a message naming the
/// flag, variable or file the text came from.
public enum SettingProblem: Error, Sendable {
    /// Not a value of the type at all: "is not an integer".
    case malformed(String)
    /// A value, but not an acceptable one: "must be between 0 and 65535 (got 70000)".
    case outOfRange(String)
    /// A value that failed to load or parse, with the parser's own words.
    case rejected(String)
}
