/// Reads a service's settings from, in order of precedence, its command line, its environment,
/// the JSON file named by `--config` (or `COURTSIDE_CONFIG`), and the declared defaults.
///
/// A configuration type reads every one of its settings in `init(reader:)`; the reader records
/// them as they are read, so that afterwards it can refuse a flag or file key that no setting
/// has (``finish()``) and list the settings for `--help` and the README tests (``described``).
public final class SettingsReader {
    /// `--config FILE` / `COURTSIDE_CONFIG`: where settings may also come from.
    public static let configurationFile = Setting<String>(
        "config", default: "", defaultText: "none",
        help: "A JSON file of settings ({\"name\": value}); flags and environment variables win over it.", placeholder: "file"
    ) { path throws(SettingProblem) in path }

    private let arguments: CommandLineArguments
    private let environment: [String: String]
    private let file: SettingsFile?
    /// The settings read so far, in the order they were read, those read in ``listedLast(_:)``
    /// after the others.
    public var described: [SettingDescription] { listed + listedAtEnd }
    private var listed: [SettingDescription]
    private var listedAtEnd: [SettingDescription] = []
    /// Inside ``listedLast(_:)``.
    private var listingAtEnd = false
    private var known: Set<String> = []
    /// The switches among them (`--no-name` is theirs).
    private var switches: Set<String> = []

    /// - Parameters:
    ///   - arguments: the command line without the program's name.
    ///   - environment: the process's environment; empty values count as unset.
    public init(arguments: [String], environment: [String: String]) throws(SettingsError) {
        let arguments = try CommandLineArguments(arguments)
        let environment = environment.filter { !$0.value.isEmpty }
        let path =
            arguments.given[Self.configurationFile.name].map { $0.value ?? "" } ?? environment[Self.configurationFile.environmentVariable]
        if path == "" { throw SettingsError("--config needs a file") }
        self.arguments = arguments
        self.environment = environment
        file = try path.map { path throws(SettingsError) in try SettingsFile(path: path) }
        listed = [Self.configurationFile.description]
        known = [Self.configurationFile.name]
    }

    /// A reader of nothing: every setting at its default.
    public static func defaults() -> SettingsReader {
        // Nothing to parse, no file: this cannot fail.
        try! SettingsReader(arguments: [], environment: [:])
    }

    /// A reader of a file's contents (for tests), with `arguments` and `environment` above it.
    init(arguments: [String], environment: [String: String], file: SettingsFile) throws(SettingsError) {
        self.arguments = try CommandLineArguments(arguments)
        self.environment = environment.filter { !$0.value.isEmpty }
        self.file = file
        listed = [Self.configurationFile.description]
        known = [Self.configurationFile.name]
    }

    /// The setting's value from the first source that has it, else its default.
    /// - Throws: a message naming the flag (and the variable or file the text came from) when
    ///   the text is not a value of the setting.
    public func read<Value>(_ setting: Setting<Value>) throws(SettingsError) -> Value {
        if known.insert(setting.name).inserted {
            if listingAtEnd { listedAtEnd.append(setting.description) } else { listed.append(setting.description) }
            if setting.isSwitch { switches.insert(setting.name) }
        }
        // Every source that gives the setting must give a value of it, even one that a source
        // above it overrides: a broken variable or file entry is a mistake to report, not to hide.
        var value: Value?
        for given in try sources(of: setting) {
            do {
                let parsed = try setting.parse(given.text)
                if value == nil { value = parsed }
            } catch {
                throw Self.error(error, setting: setting, text: given.text, origin: given.origin)
            }
        }
        return value ?? setting.defaultValue
    }

    /// Reads settings now that `--help` lists after every setting read outside `body`: shared
    /// settings that frame a service's own ones (`GRPCServiceSettings` lists the ports first
    /// and how the process logs and stops last).
    public func listedLast<Result>(_ body: () throws(SettingsError) -> Result) throws(SettingsError) -> Result {
        let outer = listingAtEnd
        listingAtEnd = true
        defer { listingAtEnd = outer }
        return try body()
    }

    /// A value read from `setting` that does not fit with another setting: a message naming
    /// the setting and where its value came from.
    public func refuse<Value>(_ setting: Setting<Value>, _ requirement: String) -> SettingsError {
        SettingsError("\(setting.flag) \(requirement)\(Self.suffix(origin(of: setting), setting))")
    }

    /// Refuses a flag or file key that no setting read.
    public func finish() throws(SettingsError) {
        let unknown = arguments.given.filter { !isKnownFlag($0.key) }.min { $0.value.position < $1.value.position }
        if let unknown { throw SettingsError("unknown option '--\(unknown.key)'") }
        if let file {
            for name in file.values.keys.sorted() where !known.contains(name) {
                throw SettingsError("--config: \(file.path) has '\(name)', which is not a setting of this service")
            }
        }
    }

    private func isKnownFlag(_ name: String) -> Bool {
        known.contains(name) || (name.hasPrefix("no-") && switches.contains(String(name.dropFirst(3))))
    }

    /// Where the setting's text comes from, if anywhere.
    enum Origin: Equatable {
        case flag
        case environment
        case file(String)
    }

    private func origin<Value>(of setting: Setting<Value>) -> Origin? {
        (try? sources(of: setting))?.first?.origin
    }

    /// The setting's texts and where they came from, highest precedence first.
    private func sources<Value>(of setting: Setting<Value>) throws(SettingsError) -> [(text: String, origin: Origin)] {
        var found: [(text: String, origin: Origin)] = []
        if setting.isSwitch {
            let on = arguments.given[setting.name]
            let off = arguments.given["no-" + setting.name]
            if let off, (on?.position ?? 0) < off.position {
                guard off.value == nil else { throw SettingsError("--no-\(setting.name) takes no value") }
                found.append(("false", .flag))
            } else if let on {
                found.append((on.value ?? "true", .flag))
            }
        } else if let given = arguments.given[setting.name] {
            guard let value = given.value else { throw SettingsError("\(setting.flag) needs a value") }
            found.append((value, .flag))
        }
        if let value = environment[setting.environmentVariable] { found.append((value, .environment)) }
        if let file, let value = file.values[setting.name] { found.append((value, .file(file.path))) }
        return found
    }

    private static func error<Value>(_ problem: SettingProblem, setting: Setting<Value>, text: String, origin: Origin) -> SettingsError {
        switch problem {
        case .malformed(let expectation):
            let given =
                switch origin {
                case .flag: "\(setting.flag)=\(text)"
                case .environment: "environment variable \(setting.environmentVariable)=\(text)"
                case .file(let path): "\(path): \(setting.name)=\(text)"
                }
            return SettingsError("\(given) \(expectation)")
        case .outOfRange(let requirement):
            return SettingsError("\(setting.flag) \(requirement)\(suffix(origin, setting))")
        case .rejected(let reason):
            return SettingsError("\(setting.flag): \(reason)\(suffix(origin, setting))")
        }
    }

    /// Where a refused value came from, unless it was the flag the message names.
    private static func suffix<Value>(_ origin: Origin?, _ setting: Setting<Value>) -> String {
        switch origin {
        case .environment: " (from \(setting.environmentVariable))"
        case .file(let path): " (from \(path))"
        case .flag, nil: ""
        }
    }
}
