/// `--help`: the program's purpose, then every setting with its variable and default, as
/// declared.
struct SettingsHelp {
    let command: String
    let abstract: String
    let settings: [SettingDescription]

    var text: String {
        var lines = [
            "OVERVIEW: \(abstract)", "",
            "USAGE: \(command) [--name value …]", "",
            "Every setting is a flag, an environment variable and a key of the --config file (JSON).",
            "A flag wins over its variable, a variable over the file, the file over the default.", "",
            "SETTINGS:",
        ]
        for setting in settings {
            lines.append("  \(setting.flag)\(setting.placeholder.map { " <\($0)>" } ?? "")")
            lines.append("        \(setting.help)")
            lines.append("        env \(setting.environmentVariable), default: \(setting.defaultText)")
        }
        lines.append("  -h, --help")
        lines.append("        Show this help.")
        return lines.joined(separator: "\n") + "\n"
    }
}
