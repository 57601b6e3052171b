import Foundation

/// The `--config` file: one JSON object whose keys are setting names (the flags without their
/// dashes) and whose values are strings, numbers, booleans or lists of strings:
/// `{"grpc-port": 50051, "storage": "sqlite:data/score.sqlite", "allowed-origins": ["https://a"]}`.
struct SettingsFile: Sendable {
    let path: String
    /// Each value as the text a flag would give.
    let values: [String: String]

    init(path: String) throws(SettingsError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SettingsError("--config: cannot read \(path)")
        }
        try self.init(path: path, data: data)
    }

    init(path: String, data: Data) throws(SettingsError) {
        self.path = path
        let object: [String: FileValue]
        do {
            object = try JSONDecoder().decode([String: FileValue].self, from: data)
        } catch {
            throw SettingsError("--config: \(path) is not a JSON object of settings (strings, numbers, booleans or lists of strings)")
        }
        values = object.mapValues(\.text)
    }
}

/// A value in the file, as flag text.
private enum FileValue: Decodable {
    case text(String)
    case list([String])

    var text: String {
        switch self {
        case .text(let text): text
        case .list(let entries): entries.joined(separator: ",")
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .text("\(value)")
        } else if let value = try? container.decode(Int.self) {
            self = .text("\(value)")
        } else if let value = try? container.decode(Double.self) {
            self = .text("\(value)")
        } else if let value = try? container.decode(String.self) {
            self = .text(value)
        } else {
            self = .list(try container.decode([String].self))
        }
    }
}
