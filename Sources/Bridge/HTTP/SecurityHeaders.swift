import NIOHTTP1

/// Headers every HTTP response of the bridge carries (the page, its files, the JSON API, SSE,
/// every error, refusals written before a request was read): no MIME sniffing, no referrer,
/// and no framing by other sites.
enum SecurityHeaders {
    /// The page's policy: everything from the bridge itself, nothing inline, never framed.
    static let pagePolicy =
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    /// Every other response is not a document to render: nothing may load, nobody may frame it.
    static let otherPolicy = "default-src 'none'; frame-ancestors 'none'"

    /// Adds the headers to a response's (a policy of its own, like the page's, is kept).
    static func apply(to headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "x-content-type-options", value: "nosniff")
        headers.replaceOrAdd(name: "referrer-policy", value: "no-referrer")
        if !headers.contains(name: "content-security-policy") {
            headers.add(name: "content-security-policy", value: otherPolicy)
        }
    }
}
