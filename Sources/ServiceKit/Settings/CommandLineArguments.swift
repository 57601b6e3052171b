/// A service's command line: `--name value`, `--name=value`, or `--name` alone (a switch, or a
/// setting whose value is missing). Services take no positional arguments.
struct CommandLineArguments: Sendable {
    /// What was given for a name: its value, if any, and where (the later of two wins).
    struct Given: Sendable, Equatable {
        let value: String?
        let position: Int
    }

    private(set) var given: [String: Given] = [:]
    /// `--help` or `-h` was among them.
    private(set) var wantsHelp = false

    init(_ arguments: [String]) throws(SettingsError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingsError(
                    argument.hasPrefix("-")
                        ? "unknown option '\(argument)'" : "unexpected argument '\(argument)' (settings are --name value)"
                )
            }
            let option = argument.dropFirst(2)
            if let equals = option.firstIndex(of: "=") {
                given[String(option[..<equals])] = Given(value: String(option[option.index(after: equals)...]), position: index)
            } else if index < arguments.count, !arguments[index].hasPrefix("--"), arguments[index] != "-h" {
                given[String(option)] = Given(value: arguments[index], position: index)
                index += 1
            } else {
                given[String(option)] = Given(value: nil, position: index)
            }
        }
    }

    /// Whether `--help` or `-h` is among `arguments`, whatever else is.
    static func asksForHelp(_ arguments: [String]) -> Bool {
        arguments.contains("--help") || arguments.contains("-h")
    }
}
