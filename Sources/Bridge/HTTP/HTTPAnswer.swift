public import NIOCore
public import NIOHTTP1

/// A complete HTTP response: status, headers and body.
public struct HTTPAnswer: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    /// An answer with these parts.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON API answer (`application/json; charset=utf-8`, `Cache-Control: no-store`).
    public static func json(_ body: ByteBuffer, status: HTTPResponseStatus = .ok) -> HTTPAnswer {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json; charset=utf-8")
        headers.add(name: "cache-control", value: "no-store")
        return HTTPAnswer(status: status, headers: headers, body: body)
    }

    /// An error body of §11.5. `message` is for the client: it never carries internal detail
    /// (log that with `requestId`, which the client gets to quote; a fresh one when nil).
    public static func error(
        _ status: HTTPResponseStatus, code: String, message: String, retryAfterSeconds: Int? = nil, requestId: String? = nil
    ) -> HTTPAnswer {
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.field("code", code)
        writer.field("message", message)
        writer.field("requestId", requestId ?? RequestID.make())
        writer.endObject()
        writer.endObject()
        var answer = HTTPAnswer.json(writer.buffer, status: status)
        if let retryAfterSeconds { answer.headers.add(name: "retry-after", value: String(retryAfterSeconds)) }
        return answer
    }

    /// 404 `not_found`.
    public static func notFound(_ path: String) -> HTTPAnswer {
        error(.notFound, code: "not_found", message: "no such resource: \(path.prefix(200))")
    }

    /// 405 `method_not_allowed` (with `Allow`).
    public static func methodNotAllowed() -> HTTPAnswer {
        var answer = error(.methodNotAllowed, code: "method_not_allowed", message: "only GET and HEAD are allowed")
        answer.headers.add(name: "allow", value: "GET, HEAD")
        return answer
    }
}

extension HTTPAnswer {
    /// The whole response as bytes, for a handler that writes before (or instead of) the HTTP
    /// pipeline: the security headers, `Content-Length` and `Connection: close`.
    func encoded() -> ByteBuffer {
        var headers = self.headers
        SecurityHeaders.apply(to: &headers)
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        headers.replaceOrAdd(name: "connection", value: "close")
        var buffer = ByteBuffer()
        buffer.reserveCapacity(128 + body.readableBytes)
        buffer.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        for (name, value) in headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        var body = self.body
        buffer.writeBuffer(&body)
        return buffer
    }
}

/// An answer can stand for a refused request (`Result<_, HTTPAnswer>`).
extension HTTPAnswer: Error {}
