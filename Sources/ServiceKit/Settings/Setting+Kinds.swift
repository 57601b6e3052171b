/// The kinds of settings the services have, each with its parser and its range check, so that
/// a declaration is one line and every message about a value reads the same.
extension Setting where Value == Int {
    /// A whole number within `range` (`Int.max` as the upper bound: no upper bound).
    public static func integer(
        _ name: String, environment: String? = nil, default defaultValue: Int, in range: ClosedRange<Int>, help: String
    ) -> Setting {
        Setting(name, environment: environment, default: defaultValue, defaultText: "\(defaultValue)", help: help, placeholder: "n") {
            text throws(SettingProblem) in
            guard let value = Int(text) else { throw .malformed("is not an integer") }
            if let problem = RangeCheck.problem(value, range) { throw .outOfRange(problem) }
            return value
        }
    }

    /// A TCP port: 0 (any free port) to 65535.
    public static func port(_ name: String, default defaultValue: Int, help: String) -> Setting {
        integer(name, default: defaultValue, in: 0...65535, help: help)
    }
}

extension Setting where Value == Double {
    /// A finite number within `range` (`leastNonzeroMagnitude` as the lower bound: positive).
    public static func number(
        _ name: String, environment: String? = nil, default defaultValue: Double, in range: ClosedRange<Double>, help: String
    ) -> Setting {
        Setting(
            name, environment: environment, default: defaultValue, defaultText: RangeCheck.text(defaultValue), help: help, placeholder: "x"
        ) {
            text throws(SettingProblem) in
            try RangeCheck.number(text, within: range)
        }
    }
}

extension Setting where Value == Duration {
    /// A duration given in seconds (`--x-seconds 2.5`), within `range` seconds.
    public static func seconds(_ name: String, default defaultValue: Duration, in range: ClosedRange<Double>, help: String) -> Setting {
        Setting(name, default: defaultValue, defaultText: RangeCheck.text(defaultValue.inSeconds), help: help, placeholder: "seconds") {
            text throws(SettingProblem) in
            .seconds(try RangeCheck.number(text, within: range, unit: " seconds"))
        }
    }
}

extension Setting where Value == Duration? {
    /// A duration in seconds within `range` that may be left unset: nil, which the service
    /// replaces by what `unsetText` says.
    public static func seconds(_ name: String, unsetText: String, in range: ClosedRange<Double>, help: String) -> Setting {
        Setting(name, default: nil, defaultText: unsetText, help: help, placeholder: "seconds") { text throws(SettingProblem) in
            .seconds(try RangeCheck.number(text, within: range, unit: " seconds"))
        }
    }
}

extension Setting where Value == String {
    /// Any text; an empty default shows as "none".
    public static func text(
        _ name: String, environment: String? = nil, default defaultValue: String, defaultText: String? = nil, help: String
    ) -> Setting {
        Setting(
            name, environment: environment, default: defaultValue,
            defaultText: defaultText ?? (defaultValue.isEmpty ? "none" : defaultValue),
            help: help, placeholder: "text"
        ) { text throws(SettingProblem) in text }
    }

    /// Another service's `host:port`.
    public static func address(_ name: String, default defaultValue: String, help: String) -> Setting {
        Setting(name, default: defaultValue, defaultText: defaultValue, help: help, placeholder: "host:port") {
            text throws(SettingProblem) in
            guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let port = Int(text[text.index(after: colon)...]),
                (1...65535).contains(port)
            else { throw .outOfRange("must be host:port (got '\(text)')") }
            return text
        }
    }
}

extension Setting where Value == Bool {
    /// On or off: `--name` or `--name true` turns it on, `--no-name` or `--name false` off; the
    /// variable takes true/false, yes/no, on/off or 1/0.
    public static func `switch`(_ name: String, default defaultValue: Bool, help: String) -> Setting {
        Setting(name, default: defaultValue, defaultText: "\(defaultValue)", help: help, isSwitch: true) { text throws(SettingProblem) in
            guard let value = SwitchText.value(text) else { throw .malformed("is not true or false") }
            return value
        }
    }
}

extension Setting where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the cases' raw values.
    public static func choice(_ name: String, environment: String? = nil, default defaultValue: Value, help: String) -> Setting {
        let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return Setting(
            name, environment: environment, default: defaultValue, defaultText: defaultValue.rawValue, help: "\(help) One of \(names).",
            placeholder: "name"
        ) {
            text throws(SettingProblem) in
            guard let value = Value(rawValue: text) else { throw .outOfRange("must be one of \(names) (got '\(text)')") }
            return value
        }
    }
}

extension Setting {
    /// A value of the service's own kind (a storage location, a file of games), parsed by
    /// `parse`, whose error describes what is wrong.
    public static func parsed(
        _ name: String, environment: String? = nil, default defaultValue: Value, defaultText: String, help: String,
        placeholder: String = "value",
        parse: @escaping @Sendable (String) throws -> Value
    ) -> Setting {
        Setting(name, environment: environment, default: defaultValue, defaultText: defaultText, help: help, placeholder: placeholder) {
            text throws(SettingProblem) in
            do { return try parse(text) } catch { throw .rejected("\(error)") }
        }
    }

    /// Comma-separated entries (spaces around them ignored), each checked by `entry`.
    public static func list(
        _ name: String, default defaultValue: Value, help: String, parse: @escaping @Sendable ([String]) throws(SettingProblem) -> Value
    ) -> Setting {
        Setting(name, default: defaultValue, defaultText: "none", help: help, placeholder: "a,b,…") { text throws(SettingProblem) in
            try parse(SettingList.entries(text))
        }
    }
}

/// Splits a comma-separated setting.
public enum SettingList {
    public static func entries(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

/// The words a switch takes.
enum SwitchText {
    static func value(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }
}

/// Range checks and their messages, shared by every numeric kind.
enum RangeCheck {
    /// "must be positive", "must not be negative", "must be at least N" or "must be between
    /// L and U", with the value given.
    static func problem(_ value: Int, _ range: ClosedRange<Int>) -> String? {
        guard !range.contains(value) else { return nil }
        let requirement =
            switch (range.lowerBound, range.upperBound) {
            case (1, .max): "must be positive"
            case (0, .max): "must not be negative"
            case (let lower, .max): "must be at least \(lower)"
            case (let lower, let upper): "must be between \(lower) and \(upper)"
            }
        return "\(requirement) (got \(value))"
    }

    static func number(_ text: String, within range: ClosedRange<Double>, unit: String = "") throws(SettingProblem) -> Double {
        guard let value = Double(text) else { throw .malformed("is not a number") }
        guard value.isFinite, range.contains(value) else {
            let requirement =
                switch (range.lowerBound, range.upperBound) {
                case (.leastNonzeroMagnitude, .greatestFiniteMagnitude): "must be positive"
                case (let lower, .greatestFiniteMagnitude): "must be at least \(Self.text(lower))\(unit)"
                case (let lower, let upper): "must be between \(Self.text(lower)) and \(Self.text(upper))\(unit)"
                }
            throw .outOfRange("\(requirement) (got \(text))")
        }
        return value
    }

    /// 20 rather than 20.0; 0.5 as it is.
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}

extension Duration {
    /// The duration in seconds, as a setting shows it.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
