import FeedSources
import Foundation
import NIOHTTP1

/// How a response body is delimited, read from the response head, and whether a received body is
/// whole.
///
/// Only a body whose end is declared is accepted: a `Content-Length` or chunked encoding. A body
/// delimited by the connection's close cannot be told from one cut in transit (or by the
/// deadline closing the connection), so it is refused rather than parsed as if it were complete.
enum ResponseFraming: Hashable, Sendable {
    /// Exactly this many bytes.
    case length(Int)
    /// Chunks up to the last (zero-length) chunk.
    case chunked

    /// The framing of a 2xx response, checked against `maximumBodyBytes`.
    static func of(_ headers: HTTPHeaders, maximumBodyBytes: Int) throws(HTTPClient.Failure) -> ResponseFraming {
        let encodings = list(headers, "content-encoding").filter { $0 != "identity" }
        guard encodings.isEmpty else {
            throw .invalidResponse("Content-Encoding \(Excerpt.quoted(encodings.joined(separator: ", "))) was not asked for")
        }
        let transfer = list(headers, "transfer-encoding")
        let lengths = list(headers, "content-length")
        if !transfer.isEmpty {
            guard transfer == ["chunked"] else {
                throw .invalidResponse("Transfer-Encoding \(Excerpt.quoted(transfer.joined(separator: ", "))) is not plain chunked")
            }
            guard lengths.isEmpty else { throw .invalidResponse("both Transfer-Encoding and Content-Length") }
            return .chunked
        }
        guard let first = lengths.first else {
            throw .invalidResponse("neither Content-Length nor chunked: the end of the body could not be told from a cut")
        }
        guard lengths.allSatisfy({ $0 == first }) else {
            throw .invalidResponse("conflicting Content-Length values \(Excerpt.quoted(lengths.joined(separator: ", ")))")
        }
        guard let length = contentLength(first) else {
            throw .invalidResponse("Content-Length \(Excerpt.quoted(first)) is not a number of bytes")
        }
        guard length <= maximumBodyBytes else {
            throw .tooLarge("a body of \(length) bytes (Content-Length) is larger than \(maximumBodyBytes) bytes")
        }
        return .length(length)
    }

    /// Checks that a body of `received` bytes is whole (called when the decoder saw its end).
    func check(received: Int) throws(HTTPClient.Failure) {
        if case .length(let length) = self, received != length {
            throw .truncated("\(received) of \(length) bytes (Content-Length)")
        }
    }

    /// A Content-Length value: ASCII digits only (no sign, no spaces, no "0x"), at most 18 of them
    /// so that the value fits an `Int` on every platform.
    static func contentLength(_ text: String) -> Int? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 18, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int(text)
    }

    /// The comma-separated values of every `name` header, trimmed and lower-cased, empty ones
    /// left out.
    private static func list(_ headers: HTTPHeaders, _ name: String) -> [String] {
        headers[name].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: [" ", "\t"]).lowercased() }
            .filter { !$0.isEmpty }
    }
}
