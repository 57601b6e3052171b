import Foundation
public import ServiceKit

/// Compares a service's declared settings with the tables that document them (its README, and
/// docs/grpc-server-limits.md for the shared gRPC and admin limits), so that they cannot drift.
///
/// A documented setting is a table row `| `--name` | `VARIABLE` | default … | meaning |`; the
/// default cell, without its backquotes, must start with the declared default (an explanation
/// may follow it: "`0` (whole game)"). Rows naming several flags are pointers and are skipped.
public enum SettingsDocumentation {
    public struct Row: Equatable, Sendable {
        public let environmentVariable: String
        public let defaultText: String
    }

    /// The repository's root, from a test file's `#filePath`.
    static func root(from filePath: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }

    /// Every single-flag settings row of a markdown file, by setting name.
    public static func rows(of relativePath: String) throws -> [String: [Row]] {
        let text = try String(contentsOf: root().appendingPathComponent(relativePath), encoding: .utf8)
        var rows: [String: [Row]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `--") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, let name = quoted(cells[1]).flatMap({ $0.hasPrefix("--") ? String($0.dropFirst(2)) : nil }),
                let variable = quoted(cells[2])
            else { continue }
            rows[name, default: []].append(
                Row(environmentVariable: variable, defaultText: cells[3].replacingOccurrences(of: "`", with: "")))
        }
        return rows
    }

    /// What disagrees: settings documented nowhere or with another variable or default, and rows
    /// of `readme` (the service's own table) that are no setting of the service.
    public static func mismatches(_ declared: [SettingDescription], readme: String, shared: [String] = []) throws -> [String] {
        let own = try rows(of: readme)
        var documented = own
        for path in shared { documented.merge(try rows(of: path)) { $0 + $1 } }
        var problems: [String] = []
        for setting in declared {
            guard let found = documented[setting.name] else {
                problems.append("\(setting.flag) is not documented in \(readme)")
                continue
            }
            for row in found {
                if row.environmentVariable != setting.environmentVariable {
                    problems.append(
                        "\(setting.flag): documented variable \(row.environmentVariable), declared \(setting.environmentVariable)")
                }
                if !startsWith(row.defaultText, setting.defaultText) {
                    problems.append("\(setting.flag): documented default '\(row.defaultText)', declared '\(setting.defaultText)'")
                }
            }
        }
        let names = Set(declared.map(\.name))
        for name in own.keys.sorted() where !names.contains(name) {
            problems.append("\(readme) documents --\(name), which is not a setting of the service")
        }
        return problems
    }

    /// `cell` is `` `text` `` exactly: its text.
    private static func quoted(_ cell: String) -> String? {
        guard cell.count > 2, cell.hasPrefix("`"), cell.hasSuffix("`"), cell.dropFirst().dropLast().allSatisfy({ $0 != "`" }) else {
            return nil
        }
        return String(cell.dropFirst().dropLast())
    }

    /// `documented` is `declared`, or `declared` followed by an explanation.
    private static func startsWith(_ documented: String, _ declared: String) -> Bool {
        guard documented.hasPrefix(declared) else { return false }
        guard let next = documented.dropFirst(declared.count).first else { return true }
        return !next.isLetter && !next.isNumber && next != "."
    }
}
