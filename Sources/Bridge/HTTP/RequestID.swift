/// The id of a refused or failed request: sent to the client in the error body (`requestId`)
/// and logged beside the internal detail, which the client never sees.
enum RequestID {
    /// A fresh id: 16 hexadecimal digits.
    static func make() -> String {
        let text = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - text.utf8.count) + text
    }
}
