/// A short, quoted excerpt of text that came from the network, for logs and error messages: a
/// provider's string may be megabytes long, and a reason that quotes it whole would copy it into
/// every log line and every rejection.
public enum Excerpt {
    /// The longest excerpt, in Unicode scalars (not characters: one character may hold any
    /// number of combining marks), before "…".
    public static let maximumScalars = 60

    /// `text` in double quotes, cut to ``maximumScalars`` with "…" when longer.
    public static func quoted(_ text: some StringProtocol) -> String {
        "\"\(cut(text))\""
    }

    /// `text` cut to ``maximumScalars`` with "…" when longer.
    public static func cut(_ text: some StringProtocol) -> String {
        let head = text.unicodeScalars.prefix(maximumScalars + 1)
        guard head.count > maximumScalars else { return String(text) }
        return String(String.UnicodeScalarView(head.prefix(maximumScalars))) + "…"
    }
}
