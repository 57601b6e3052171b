import Foundation

/// Reads settings from environment variables. Every setting of every service is a flag and an
/// environment variable of the same meaning; the flag wins when both are given. A malformed
/// value stops the program with a message naming the variable, rather than being ignored.
public enum Environment {
    public static func string(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    public static func string(_ name: String, default defaultValue: String) -> String {
        string(name) ?? defaultValue
    }

    public static func int(_ name: String, default defaultValue: Int) -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text) else {
            invalid(name, text, "an integer")
        }
        return value
    }

    public static func double(_ name: String, default defaultValue: Double) -> Double {
        guard let text = string(name) else { return defaultValue }
        guard let value = Double(text) else {
            invalid(name, text, "a number")
        }
        return value
    }

    public static func bool(_ name: String, default defaultValue: Bool) -> Bool {
        guard let text = string(name) else { return defaultValue }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: invalid(name, text, "true or false")
        }
    }

    private static func invalid(_ name: String, _ value: String, _ expected: String) -> Never {
        FileHandle.standardError.write(Data("error: environment variable \(name)=\(value) is not \(expected)\n".utf8))
        exit(64)
    }
}
